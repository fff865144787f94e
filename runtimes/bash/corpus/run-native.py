#!/usr/bin/env python3
"""Runs the bash corpus natively (GNU bash + GNU tools) to record or check the expected outputs.

Usage (from anywhere):
    run-native.py                          # run every script, print a one-line summary per script
    run-native.py --record [NAMES...]      # write expected/NNN-name.{out,err,code}
    run-native.py --check-deterministic    # run each script twice, fail if any output differs
    run-native.py --compare [NAMES...]     # compare a fresh native run against expected/ (normalised)

NAMES are substrings of script file names (e.g. `017` or `heredoc`); none means the whole corpus.

Each script runs as `/usr/bin/bash main.sh` in a fresh empty temporary directory, with the environment
PATH=/usr/bin:/bin HOME=<dir> PWD=<dir> LC_ALL=C and nothing else, stdin from /dev/null, a 20 s timeout.
The temporary directory's path is replaced by `/workspace` in stdout and stderr before anything is
written or compared (that is where the wasm runtime runs scripts). Expected files hold that output
as-is; `normalise_stderr` (below, and in README.md) is applied to both sides only when comparing.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

CORPUS = os.path.dirname(os.path.abspath(__file__))
EXPECTED = os.path.join(CORPUS, "expected")
BASH = "/usr/bin/bash"
TIMEOUT = 20
WORKSPACE = "/workspace"

SCRIPT_NAME = re.compile(r"^\d{3}-[a-z0-9-]+\.sh$")

# A program-name prefix at the start of a stderr line: an optional directory, a name, then ": ".
# Only the name part is rewritten; the message text after it is never touched.
PREFIX = re.compile(r"^(?:/[^\s:]*/)?([A-Za-z0-9_.+\-\[\]]+): ", re.M)


def normalise_stderr(text):
    """The comparison form of stderr (applied to expected and actual alike).

    Per line, a leading program-name prefix `<dir>/<name>: ` loses its directory, and the shell's own
    names for itself (`main.sh`, `bash`, any `<dir>/main.sh`, `<dir>/bash`) become `bash`:
        main.sh: line 3: x: unbound variable    -> bash: line 3: x: unbound variable
        /workspace/main.sh: line 3: ...         -> bash: line 3: ...
        /usr/bin/grep: nope: No such file ...   -> grep: nope: No such file ...
    Nothing after the first `: ` changes.
    """

    def fix(m):
        name = m.group(1)
        if name in ("main.sh", "bash", "sh"):
            name = "bash"
        return name + ": "

    return PREFIX.sub(fix, text)


def scripts(filters):
    names = sorted(n for n in os.listdir(CORPUS) if SCRIPT_NAME.match(n))
    if filters:
        names = [n for n in names if any(f in n for f in filters)]
    return names


def run_one(name, path_prefix=None):
    """Returns (stdout, stderr, code) with the temporary directory replaced by /workspace.

    path_prefix, when given, is put in front of PATH (the conformance tools suite's shims)."""
    tmp = tempfile.mkdtemp(prefix="corpus-")
    try:
        shutil.copyfile(os.path.join(CORPUS, name), os.path.join(tmp, "main.sh"))
        path = "/usr/bin:/bin" if path_prefix is None else f"{path_prefix}:/usr/bin:/bin"
        env = {"PATH": path, "HOME": tmp, "PWD": tmp, "LC_ALL": "C"}
        try:
            p = subprocess.run(
                [BASH, "main.sh"],
                cwd=tmp,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=TIMEOUT,
            )
            out, err, code = p.stdout, p.stderr, p.returncode
            if code < 0:
                code = 128 - code
        except subprocess.TimeoutExpired as e:
            out, err, code = e.stdout or b"", (e.stderr or b"") + b"[run-native: timeout]\n", 124
        real = os.path.realpath(tmp)

        def fix(b):
            s = b.decode("utf-8", "surrogateescape")
            for path in sorted({tmp, real}, key=len, reverse=True):
                s = s.replace(path, WORKSPACE)
            return s

        return fix(out), fix(err), code
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write(path, text):
    with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
        f.write(text)


def read(path):
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as f:
        return f.read()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--record", action="store_true")
    mode.add_argument("--check-deterministic", action="store_true")
    mode.add_argument("--compare", action="store_true")
    args = ap.parse_args()

    names = scripts(args.names)
    if not names:
        sys.exit("no corpus scripts match")
    bad = []
    for name in names:
        out, err, code = run_one(name)
        stem = name[:-3]
        if args.record:
            write(os.path.join(EXPECTED, stem + ".out"), out)
            write(os.path.join(EXPECTED, stem + ".err"), err)
            write(os.path.join(EXPECTED, stem + ".code"), f"{code}\n")
            print(f"recorded {name}: exit {code}, {len(out)} bytes out, {len(err)} bytes err")
        elif args.check_deterministic:
            again = run_one(name)
            if (out, err, code) != again:
                bad.append(name)
                which = [k for k, a, b in zip(("stdout", "stderr", "code"), (out, err, code), again) if a != b]
                print(f"NONDETERMINISTIC {name}: {', '.join(which)} differ")
        elif args.compare:
            base = os.path.join(EXPECTED, stem)
            try:
                want = (read(base + ".out"), normalise_stderr(read(base + ".err")), int(read(base + ".code")))
            except FileNotFoundError:
                bad.append(name)
                print(f"MISSING {name}: no expected files")
                continue
            got = (out, normalise_stderr(err), code)
            if got != want:
                bad.append(name)
                which = [k for k, a, b in zip(("stdout", "stderr", "code"), got, want) if a != b]
                print(f"DIFFERS {name}: {', '.join(which)}")
        else:
            print(f"{name}: exit {code}")
            if err:
                for line in err.splitlines()[:5]:
                    print(f"    err: {line}")
    if args.check_deterministic or args.compare:
        print(f"{len(names) - len(bad)}/{len(names)} ok")
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
