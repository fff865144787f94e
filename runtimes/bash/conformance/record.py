#!/usr/bin/env python3
"""Records and checks the expected results of the bash conformance suites with native GNU bash and tools.

Usage (from anywhere):
    record.py                              # run every case, print a one-line summary per section
    record.py --record [FILTERS...]        # (re)write expected/<section>.json
    record.py --check-deterministic [...]  # run each case twice, fail if any output differs
    record.py --compare [FILTERS...]       # compare a fresh native run against expected/ (normalised)
    record.py --suite tools ...            # the same for the tool suite in tools/ (default: --suite bash)

Two suites share this script: `bash` (this directory; sections `<number>-<slug>`, e.g. `4.2-printf`) and
`tools` (`tools/`; one section per tool, named after it, e.g. `awk`, `sed`). The tools suite runs `awk` as
GNU awk: a temporary directory holding `awk -> /usr/bin/gawk` is put in front of PATH for its cases only
(Debian's /usr/bin/awk is mawk, and is left alone). Everything else is the same for both suites.

FILTERS are substrings of `<section>/<case>` (e.g. `3.5.3` or `printf/q-`); none means every case.
`--record` with a filter rewrites only the matching cases and keeps the others of the same JSON file
(cases removed from a section file are dropped from its JSON).

A section is `cases/<section>.bash`; it holds many cases, each starting with a header line
`#### case-name` (lowercase letters, digits, dashes; unique within the file). Lines before the first
header are a comment for the reader and belong to no case. Each case runs exactly like a corpus script
(the run logic and `normalise_stderr` are imported from ../corpus/run-native.py): copied as `main.sh`
into a fresh empty directory, run as `/usr/bin/bash main.sh` with stdin /dev/null and the environment
PATH=/usr/bin:/bin HOME=<dir> PWD=<dir> LC_ALL=C, the directory's path replaced by `/workspace`.

expected/<section>.json is {case: {"stdout": ..., "stderr": ..., "code": N}} (stderr as recorded;
normalisation is applied to both sides only when comparing).
"""

import argparse
import concurrent.futures
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# Set by select_suite(): the suite's directory, its cases/ and expected/.
SUITE_DIR = HERE
CASES = os.path.join(HERE, "cases")
EXPECTED = os.path.join(HERE, "expected")

_spec = importlib.util.spec_from_file_location("run_native", os.path.join(HERE, "..", "corpus", "run-native.py"))
run_native = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_native)
normalise_stderr = run_native.normalise_stderr

SECTION_FILE = re.compile(r"^([0-9][0-9.]*-[a-z0-9]+(?:-[a-z0-9]+)*)\.bash$")
SECTION_RULE = "a section file is named <number>-<slug>.bash (e.g. 4.2-printf.bash)"
# The tools suite: directory, section-file pattern and its rule, programs run instead of PATH's.
TOOLS_DIR = os.path.join(HERE, "tools")
TOOL_FILE = re.compile(r"^([a-z0-9]+)\.bash$")
TOOL_RULE = "a section file is named <tool>.bash (e.g. awk.bash)"
TOOL_SHIMS = {"awk": "/usr/bin/gawk"}
# PATH entries put in front of /usr/bin:/bin for every case (the tools suite's shim directory).
PATH_PREFIX = None
HEADER = re.compile(r"^#### (.*)$")
CASE_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def sections():
    names = [n for n in os.listdir(CASES) if n.endswith(".bash")]
    bad = [n for n in names if not SECTION_FILE.match(n)]
    if bad:
        sys.exit(f"cases/{bad[0]}: {SECTION_RULE}")
    return sorted(n[: -len(".bash")] for n in names)


def parse_section(section):
    """Returns [(case, script)] in file order; raises on a malformed or duplicate header."""
    path = os.path.join(CASES, section + ".bash")
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    cases, name, body = [], None, []
    for i, line in enumerate(lines, 1):
        m = HEADER.match(line)
        if m:
            if name is not None:
                cases.append((name, body))
            name, body = m.group(1), []
            if not CASE_NAME.match(name):
                sys.exit(f"{path}:{i}: bad case name {name!r} (lowercase, digits, dashes)")
            if any(n == name for n, _ in cases):
                sys.exit(f"{path}:{i}: case {name!r} appears twice")
        elif name is not None:
            body.append(line)
    if name is not None:
        cases.append((name, body))
    out = []
    for name, body in cases:
        while body and body[-1] == "":
            body.pop()
        out.append((name, "\n".join(body) + "\n"))
    return out


def run_case(script):
    """(stdout, stderr, code) of one case, run exactly like a corpus script."""
    d = tempfile.mkdtemp(prefix="conformance-src-")
    try:
        path = os.path.join(d, "case.sh")
        with open(path, "w", encoding="utf-8") as f:
            f.write(script)
        # run_one copies os.path.join(CORPUS, name) to main.sh; an absolute name is used as is.
        return run_native.run_one(path, path_prefix=PATH_PREFIX)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def load_expected(section):
    path = os.path.join(EXPECTED, section + ".json")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def select_suite(suite, shim_dir):
    """Points the module at the tools suite (the bash suite is the default); makes its PATH shims in shim_dir."""
    global SUITE_DIR, CASES, EXPECTED, SECTION_FILE, SECTION_RULE, PATH_PREFIX
    if suite == "bash":
        return
    SUITE_DIR, SECTION_FILE, SECTION_RULE = TOOLS_DIR, TOOL_FILE, TOOL_RULE
    CASES = os.path.join(SUITE_DIR, "cases")
    EXPECTED = os.path.join(SUITE_DIR, "expected")
    for name, target in TOOL_SHIMS.items():
        if not os.path.exists(target):
            sys.exit(f"{target} is missing: the tools suite runs `{name}` as {target} (apt-get install gawk)")
        os.symlink(target, os.path.join(shim_dir, name))
    PATH_PREFIX = shim_dir


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("filters", nargs="*")
    ap.add_argument("--suite", choices=("bash", "tools"), default="bash")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--record", action="store_true")
    mode.add_argument("--check-deterministic", action="store_true")
    mode.add_argument("--compare", action="store_true")
    ap.add_argument("-q", "--quiet", action="store_true", help="no per-case stderr lines")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="conformance-shims-") as shim_dir:
        select_suite(args.suite, shim_dir)
        run(args)


def run(args):
    selected = {}
    for section in sections():
        for case, script in parse_section(section):
            key = f"{section}/{case}"
            if not args.filters or any(f in key for f in args.filters):
                selected.setdefault(section, []).append((case, script))
    if not selected:
        sys.exit("no conformance cases match")

    jobs = [(s, c, script) for s, cs in selected.items() for c, script in cs]
    runs = 2 if args.check_deterministic else 1
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        futures = {(s, c, r): pool.submit(run_case, script) for s, c, script in jobs for r in range(runs)}
        results = {k: f.result() for k, f in futures.items()}

    bad = []
    for section, cases in selected.items():
        if args.record:
            old = load_expected(section)
            names = [c for c, _ in parse_section(section)]
            new = {}
            for name in names:
                if (section, name, 0) in results:
                    out, err, code = results[(section, name, 0)]
                    if any("\udc80" <= ch <= "\udcff" for ch in out + err):
                        sys.exit(f"{section}/{name}: output is not UTF-8; JSON cannot hold it (print it with od)")
                    new[name] = {"stdout": out, "stderr": err, "code": code}
                elif name in old:
                    new[name] = old[name]
            with open(os.path.join(EXPECTED, section + ".json"), "w", encoding="utf-8") as f:
                json.dump(new, f, indent=1, ensure_ascii=False, sort_keys=False)
                f.write("\n")
            missing = [n for n in names if n not in new]
            print(f"recorded {section}: {len(cases)} cases ({len(new)} in file)" + (f", MISSING {missing}" if missing else ""))
            continue
        want_all = load_expected(section) if args.compare else {}
        codes = {}
        for case, _ in cases:
            key = f"{section}/{case}"
            out, err, code = results[(section, case, 0)]
            codes[code] = codes.get(code, 0) + 1
            if args.check_deterministic and results[(section, case, 1)] != (out, err, code):
                bad.append(key)
                print(f"NONDETERMINISTIC {key}")
            elif args.compare:
                want = want_all.get(case)
                if want is None:
                    bad.append(key)
                    print(f"MISSING {key}: not recorded")
                elif (out, normalise_stderr(err), code) != (
                    want["stdout"],
                    normalise_stderr(want["stderr"]),
                    want["code"],
                ):
                    bad.append(key)
                    print(f"DIFFERS {key}")
            elif not args.check_deterministic and err and not args.quiet:
                first = err.splitlines()[0] if err else ""
                print(f"  {key}: exit {code}, stderr: {first}")
        print(f"{section}: {len(cases)} cases, exit codes {dict(sorted(codes.items()))}")
    if args.check_deterministic or args.compare:
        total = len(jobs)
        print(f"{total - len(bad)}/{total} ok")
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
