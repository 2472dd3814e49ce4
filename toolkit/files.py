"""Writing files so they appear complete or not at all, and JSON in and out.

The one atomic writer of the package: the cache, the run directory, reports and sweeps all
write through :func:`atomic_write`. The bytes go to a uniquely named temporary file in the
destination folder, are flushed and fsynced, then moved into place with :func:`os.replace`
and the folder is fsynced. A reader sees the old file, the new file or no file, never a
partial one, and two processes writing at the same time never share a temporary file.

These functions raise plain :class:`OSError` and :class:`ValueError`: each caller knows what the
file is for and turns the failure into its own :class:`~toolkit.errors.ToolkitError` (a
:class:`~toolkit.errors.CacheError`, a :class:`~toolkit.errors.RunError`, ...).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

__all__ = ["TMP_PREFIX", "as_path", "probe_writable", "atomic_write", "write_text_atomic", "write_json", "read_json", "jsonable",
           "fsync_dir"]

#: Prefix of every temporary file the writer makes; nothing else starts with it.
TMP_PREFIX = ".tmp-"

# Indirection so tests can simulate a crash between writing a temporary file and renaming it.
replace = os.replace


def as_path(value: Any, param: str, what: str) -> Path:
    """``value`` as a :class:`~pathlib.Path`; anything but a non-empty str or path-like is a
    :class:`~toolkit.errors.ParameterError` naming ``param`` and saying it expects ``what``."""
    from toolkit.errors import ParameterError, short_repr

    if isinstance(value, (str, os.PathLike)) and str(value).strip():
        return Path(value)
    raise ParameterError(param, f"expected {what} (a str or Path), got {short_repr(value)}")


def probe_writable(folder: Path) -> None:
    """Create and remove a uniquely named hidden file in ``folder``; raises :class:`OSError`
    when files cannot be created there (no permission, read-only, immutable)."""
    probe = Path(folder) / f"{TMP_PREFIX}probe-{uuid.uuid4().hex}"
    probe.touch()
    probe.unlink()


def fsync_dir(folder: Path) -> None:
    """Persist a rename; not every platform or file system supports it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], Any]) -> None:
    """Write a file so that it appears complete or not at all.

    Parameters
    ----------
    path : str or pathlib.Path
        Final file name. Its folder must exist.
    write : callable
        Called with a binary file object opened on a temporary file in the same folder.

    Raises
    ------
    OSError
        If writing or renaming fails; the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    tmp = path.with_name(f"{TMP_PREFIX}{uuid.uuid4().hex}-{path.name}")
    try:
        with open(tmp, "xb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Atomically write ``text`` as UTF-8; returns ``path``. Raises :class:`OSError`."""
    data = text.encode("utf-8")
    atomic_write(path, lambda fh: fh.write(data))
    return Path(path)


def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars and arrays as Python values, paths as strings, mapping keys
    as strings and non-finite floats as ``None`` (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path: str | Path, data: Any, *, atomic: bool = False) -> None:
    """Write ``data`` (through :func:`jsonable`) as indented UTF-8 JSON.

    ``atomic=True`` writes through :func:`atomic_write`; without it the file is written in
    place, for files inside a folder that is itself published atomically (a run directory).
    """
    text = json.dumps(jsonable(data), ensure_ascii=False, indent=2) + "\n"
    if atomic:
        write_text_atomic(path, text)
    else:
        Path(path).write_text(text, encoding="utf-8")


def read_json(path: str | Path, expect: type | None = None) -> Any:
    """Parse a UTF-8 JSON file.

    Raises
    ------
    OSError
        The file cannot be read (:class:`FileNotFoundError` when it is missing).
    ValueError
        It is not UTF-8 JSON (:class:`json.JSONDecodeError` carries the line and column), or
        its top-level value is not of type ``expect``.
    """
    value = json.loads(Path(path).read_bytes().decode("utf-8"))
    if expect is not None and not isinstance(value, expect):
        raise ValueError(f"expected a JSON {expect.__name__}, found {type(value).__name__}")
    return value
