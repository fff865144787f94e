"""The kruntimes `python` runtime: CPython 3.14 as a `wasi:cli/command` component.

componentize-py runs this module once, at build time, and snapshots the initialised interpreter
(with the preloaded standard library modules) into the component. Every Run is a fresh instance of
that snapshot, so nothing here survives from one Run to the next; `Run.run` is the program's
`main` and behaves like the `python` command line:

    python [-B] [-E] [-I] [-q] [-s] [-S] [-u] [-X opt] [-W arg] (FILE | -c CODE | -m MODULE | -) [ARGS...]

The state the snapshot captured at build time (arguments, environment, working directory, random
seeds, start times) is replaced with the Run's own before the user's code runs.
"""

import builtins
import gc
import importlib
import importlib.abc
import importlib.machinery
import os
import sys
import time
import types

from wit_world import exports
from wit_world.imports import environment
from wit_world.imports import exit as wasi_exit

import kruntimes_preload

USAGE = "usage: python [option] ... [-c cmd | -m mod | file | -] [arg] ..."

# Options CPython accepts that change nothing here: the interpreter was configured at build time.
_NOOP_FLAGS = set("BbdEhiIOPqRsSuvx")
# Options that take a value (separately or attached), also without effect here.
_VALUE_FLAGS = set("WX")

# C extension modules this CPython was built without, and what they would have provided.
_UNAVAILABLE = {
    "ssl": "TLS (ssl)",
    "_ssl": "TLS (ssl)",
    "_ctypes": "ctypes",
    "_lzma": "lzma",
    "_bz2": "bz2",
    "_zstd": "zstd (compression.zstd)",
    "_interpreters": "subinterpreters (concurrent.interpreters)",
    "_multiprocessing": "multiprocessing",
    "_posixsubprocess": "subprocess",
    "_curses": "curses",
    "_tkinter": "tkinter",
    "readline": "readline",
    "termios": "terminal control (termios)",
    "mmap": "mmap",
    "_dbm": "dbm.ndbm",
    "_gdbm": "dbm.gnu",
}


class _Unavailable(importlib.abc.MetaPathFinder):
    """Turns an import of a missing C extension into a clear ModuleNotFoundError."""

    def find_spec(self, name, path=None, target=None):
        what = _UNAVAILABLE.get(name)
        if what is None:
            return None
        raise ModuleNotFoundError(
            f"No module named {name!r}: {what} is not available in the kruntimes Python runtime "
            "(CPython on WebAssembly/WASI has no such native module)",
            name=name,
        )


sys.meta_path.append(_Unavailable())

_NETWORK_GRANT = "host:port rules in its Runtime's spec.capabilities.network"


def _explain_network_denials():
    """Makes the sandbox's network refusals name the missing grant.

    Without a network rule naming a host, the host refuses every name lookup, which CPython reports as
    `socket.gaierror [Errno -4] Non-recoverable error`: it becomes `NetworkNotGranted`, a
    `PermissionError` that is also a `socket.gaierror` (code handling lookup failures still catches it).
    An address needs no lookup and gets its answer here, so that only the connection is checked. A socket
    without any grant, or a connection no rule covers, is already a `PermissionError`; its message now
    says which grant is missing. Installed before the snapshot, so it costs a Run nothing.
    """
    import errno
    import ipaddress
    import socket

    class NetworkNotGranted(PermissionError, socket.gaierror):
        """A name lookup the Run's network grant does not allow."""

    denied = getattr(socket, "EAI_FAIL", -4)
    lookup = socket.getaddrinfo

    def numeric(host, port, family=0, type=0, proto=0, flags=0):
        """The answer for an IP address, which needs no lookup: what getaddrinfo gives for it natively
        (one stream entry unless `type` asks otherwise), or None when `host` is a name."""
        try:
            ip = ipaddress.ip_address(host)
            port = int(port or 0)
        except (TypeError, ValueError):
            return None
        found = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        if family not in (0, found):
            return None
        kind = type or socket.SOCK_STREAM
        sockaddr = (str(ip), port) if ip.version == 4 else (str(ip), port, 0, 0)
        return [(found, socket.SocketKind(kind), proto, "", sockaddr)]

    def getaddrinfo(host, port, *args, **kwargs):
        try:
            return lookup(host, port, *args, **kwargs)
        except socket.gaierror as exc:
            if exc.errno != denied:
                raise
            # Lookups are refused unless a rule names a host, also for addresses: answer those here, and
            # let the connection be checked against the grant.
            answer = numeric(host, port, *args, **kwargs)
            if answer is not None:
                return answer
            raise NetworkNotGranted(
                errno.EACCES,
                f"name lookup of {host!r} is not allowed in this Run: it needs a network grant "
                f"naming the host ({_NETWORK_GRANT})",
            ) from None

    connect = socket.socket.connect

    def checked_connect(self, address):
        try:
            return connect(self, address)
        except PermissionError as exc:
            raise PermissionError(
                exc.errno,
                f"connecting to {address!r} is not allowed in this Run: no network grant covers it "
                f"({_NETWORK_GRANT})",
            ) from None

    create = socket.socket.__init__

    def checked_init(self, *args, **kwargs):
        try:
            create(self, *args, **kwargs)
        except PermissionError as exc:
            raise PermissionError(
                exc.errno,
                f"sockets are not allowed in this Run: it has no network grant ({_NETWORK_GRANT})",
            ) from None

    socket.getaddrinfo = getaddrinfo
    socket.socket.__init__ = checked_init
    socket.socket.connect = checked_connect


_explain_network_denials()

# The snapshot: import the preloaded modules now, at build time, and move every object they created
# into the garbage collector's permanent generation so that collections in a Run never walk (and
# never dirty the copy-on-write pages of) the preloaded heap.
kruntimes_preload.load()


class UsageError(Exception):
    """A command line the interpreter refuses, reported with exit code 2 as CPython does."""


def parse_command_line(argv):
    """Splits `python`'s arguments into (mode, target, script arguments).

    `mode` is "file", "command", "module" or "stdin"; `target` is the file name, the code or the
    module name (None for stdin).
    """
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            break
        if arg in ("-V", "--version"):
            return "version", None, []
        if arg == "--help":
            return "help", None, []
        if arg == "-" or not arg.startswith("-"):
            break
        # A cluster of single-letter options, such as -uB or -c'print(1)'.
        j = 1
        while j < len(arg):
            flag = arg[j]
            rest = arg[j + 1 :]
            if flag in "cm":
                if rest:
                    target = rest
                    tail = argv[i + 1 :]
                elif i + 1 < len(argv):
                    target = argv[i + 1]
                    tail = argv[i + 2 :]
                else:
                    raise UsageError(f"Argument expected for the -{flag} option")
                if flag == "c":
                    return "command", target, tail
                return "module", target, tail
            if flag in _VALUE_FLAGS:
                if not rest:
                    if i + 1 >= len(argv):
                        raise UsageError(f"Argument expected for the -{flag} option")
                    i += 1
                break
            if flag == "V":
                return "version", None, []
            if flag not in _NOOP_FLAGS:
                raise UsageError(f"Unknown option: -{flag}")
            j += 1
        i += 1
    if i >= len(argv) or argv[i] == "-":
        return "stdin", None, argv[i + 1 :]
    return "file", argv[i], argv[i + 1 :]


def _reset_process_state(env):
    """Replaces what the build-time snapshot captured with this Run's values."""
    os.environ.clear()
    # Item by item: `update` with a list would run the ABC isinstance machinery over every class in the
    # snapshot (about a millisecond of copy-on-write faults per Run).
    for key, value in env:
        os.environ[key] = value
    cwd = environment.initial_cwd() or os.environ.get("PWD") or "/workspace"
    try:
        os.chdir(cwd)
    except OSError:
        pass
    # Seeds and clocks taken at import time (build time) must not be shared by every Run.
    if "random" in sys.modules:
        sys.modules["random"].seed()
    tempfile = sys.modules.get("tempfile")
    if tempfile is not None:
        tempfile.tempdir = None
        tempfile._name_sequence = None
    logging = sys.modules.get("logging")
    if logging is not None and hasattr(logging, "_startTime"):
        logging._startTime = time.time_ns()


def _new_main(file=None):
    main = types.ModuleType("__main__")
    main.__builtins__ = builtins
    if file is not None:
        main.__file__ = file
        main.__cached__ = None
    sys.modules["__main__"] = main
    return main


def _run_code(source, filename, main):
    code = compile(source, filename, "exec", dont_inherit=True)
    exec(code, main.__dict__)


def execute(mode, target, args):
    """Runs the program; exceptions propagate to `run_main`, which reports them."""
    if mode == "file":
        path = os.path.abspath(target)
        sys.argv = [target, *args]
        sys.path.insert(0, os.path.dirname(path))
        try:
            with open(path, "rb") as f:
                source = f.read()
        except OSError as e:
            raise _CannotOpen(f"can't open file {path!r}: [Errno {e.errno}] {e.strerror}") from None
        # Since Python 3.9, __main__.__file__ (and so tracebacks) use the absolute path.
        _run_code(source, path, _new_main(path))
    elif mode == "command":
        sys.argv = ["-c", *args]
        sys.path.insert(0, "")
        _run_code(target, "<string>", _new_main())
    elif mode == "module":
        import runpy

        sys.argv = ["-m", *args]
        sys.path.insert(0, os.getcwd())
        # runpy names the interpreter in "No module named x" (`python: No module named x`, as CPython says it).
        sys.executable = sys.executable or "python"
        runpy._run_module_as_main(target, alter_argv=True)
    else:
        sys.argv = ["-" if mode == "stdin" and args else "", *args]
        sys.path.insert(0, "")
        _run_code(sys.stdin.buffer.read(), "<stdin>", _new_main("<stdin>"))


class _CannotOpen(Exception):
    pass


def _exit_code_of(exc):
    """The process exit status CPython derives from a SystemExit."""
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, bool):
        return int(code)
    if isinstance(code, int):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except Exception:
        pass
    return 1


def _print_exception(exc):
    """Prints a traceback without the runner's own frames, like an uncaught exception in `python`."""
    import traceback

    tb = exc.__traceback__
    # Skip frames of this file: the user's code starts at the first frame outside it.
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb, file=sys.stderr)


def run_main(argv):
    """Runs `python argv...` and returns the exit status."""
    try:
        mode, target, args = parse_command_line(argv)
    except UsageError as e:
        print(f"{e}\n{USAGE}\nTry `python -h' for more information.", file=sys.stderr)
        return 2
    if mode == "version":
        print(f"Python {sys.version.split()[0]}")
        return 0
    if mode == "help":
        print(USAGE)
        return 0
    try:
        execute(mode, target, args)
    except SystemExit as e:
        return _exit_code_of(e)
    except _CannotOpen as e:
        print(f"python: {e}", file=sys.stderr)
        return 2
    except BaseException as e:  # noqa: BLE001 - every uncaught exception ends the program
        _print_exception(e)
        return 1
    return 0


def _flush():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def _warm_up():
    """Runs a trivial program at build time, so that the caches it fills (compiler, codecs, ABC
    checks, stdio) are in the snapshot rather than rebuilt, page by copied page, in every Run."""
    saved_path = list(sys.path)
    saved_main = sys.modules.get("__main__")
    try:
        run_main(["-c", "import sys; print(end='', file=sys.stdout); print(end='', file=sys.stderr)"])
        _flush()
    finally:
        sys.path[:] = saved_path
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
        sys.argv = [""]


_warm_up()
gc.collect()
gc.freeze()


class Run(exports.Run):
    """`wasi:cli/run`: one Run, in a fresh instance."""

    def run(self) -> None:
        _reset_process_state(environment.get_environment())
        argv = environment.get_arguments()
        code = run_main(argv[1:])
        # atexit handlers registered by the user's program run like at interpreter exit.
        try:
            import atexit

            atexit._run_exitfuncs()
        except Exception:
            pass
        _flush()
        if code != 0:
            wasi_exit.exit_with_code(code)
