"""Helpers for Python programs running on kruntimes.

    import kruntimes
    kruntimes.set_output("rows", 42)          # appears in the Run's status.outputs
    kruntimes.artifacts_dir()                 # files written here become artifacts
    kruntimes.log("info", "fetched page 3")   # runtimed's log (krt local: its stderr), not the Run's output

Outputs set here and `KEY=VALUE` lines written to the file named by `$KRUNTIME_OUTPUTS` are merged
when the Run ends (a key set here wins). Outputs are reported only when the Run succeeds.
"""

import json
import os

from wit_world.imports import log as _log
from wit_world.imports import outputs as _outputs

__all__ = ["set_output", "outputs_file", "artifacts_dir", "log", "OutputError"]

_LEVELS = {
    "trace": _log.Level.TRACE,
    "debug": _log.Level.DEBUG,
    "info": _log.Level.INFO,
    "warn": _log.Level.WARN,
    "warning": _log.Level.WARN,
    "error": _log.Level.ERROR,
    "critical": _log.Level.CRITICAL,
}


class OutputError(ValueError):
    """An output the host refused: a bad key, or a value or total over a limit (the message says which)."""


def _text(value) -> str:
    """An output value as text: a string as it is, numbers as `str` gives them, and `True`/`None`/dicts/lists/tuples
    as JSON (`true`, `null`, `{"a": 1}`), which the next step or program can parse; anything else with `str`."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, type(None), dict, list, tuple)):
        try:
            return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        except (TypeError, ValueError) as e:
            raise OutputError(f"value is not JSON-serialisable: {e}") from None
    return str(value)


def set_output(key: str, value) -> None:
    """Sets output `key` to `value` as text (see `_text`: JSON for dicts, lists, booleans and None), replacing an
    earlier value.

    Keys match `^[A-Za-z_][A-Za-z0-9_.-]*$` (at most 128 bytes); a value is at most 8 KiB; a Run has
    at most 64 outputs and 64 KiB of keys and values in all. Raises `OutputError` naming the limit.
    """
    text = _text(value)
    try:
        _outputs.set_output(str(key), text)
    except Exception as e:  # componentize-py raises Err(message) for an error result
        message = getattr(e, "value", None) or str(e)
        raise OutputError(message) from None


def outputs_file() -> str:
    """The path of the `KEY=VALUE` outputs file (`$KRUNTIME_OUTPUTS`)."""
    return os.environ["KRUNTIME_OUTPUTS"]


def artifacts_dir() -> str:
    """The directory whose files become the Run's artifacts (`$KRUNTIME_ARTIFACTS_DIR`)."""
    return os.environ["KRUNTIME_ARTIFACTS_DIR"]


def log(level: str, message: str) -> None:
    """Writes a record to runtimed's log, or krt local's stderr (`trace`, `debug`, `info`, `warn`, `error`, `critical`)."""
    try:
        lvl = _LEVELS[level.lower()]
    except KeyError:
        raise ValueError(f"log level {level!r}: expected one of {', '.join(sorted(_LEVELS))}") from None
    _log.log(lvl, str(message))
