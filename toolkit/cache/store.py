"""Crash-safe on-disk storage of numpy arrays, and the generic :class:`ArrayCache`.

Everything the cache writes goes through :func:`toolkit.files.atomic_write`: a reader sees
either the old file, the new file or no file, never a partial one, and two processes writing
at the same time never share a temporary file.

Arrays are stored as ``.npy`` files beside a small JSON *entry* that records the dtype, the
shape and the SHA-256 of the array bytes. The JSON is written last and is the commit marker: a
data file without its entry is invisible (and removed once it is old enough to be sure no
writer is still busy with it). Reads are memory-mapped and verified against the entry; anything
that does not match is logged, removed and reported as missing, so it is recomputed rather than
used.

Layout of an :class:`ArrayCache` (see ``docs/cache.md`` for the whole cache)::

    <root>/arrays/<namespace>/<key>.json             entry: dtype, shape, sha256, data file
    <root>/arrays/<namespace>/<key>.<sha256[:16]>.npy   the array
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.errors import CacheError
from toolkit.files import TMP_PREFIX, atomic_write, probe_writable, read_json

__all__ = [
    "ArrayCache",
    "array_key",
    "array_checksum",
    "default_cache_dir",
    "ensure_writable_dir",
    "load_npy_verified",
    "write_json_atomic",
    "write_npy_atomic",
    "CorruptEntry",
    "STALE_SECONDS",
]

logger = logging.getLogger(__name__)

#: Version of the on-disk format; entries of another version are ignored and replaced.
FORMAT_VERSION = 1
#: Files without a commit marker (temporary files, data files without an entry) older than
#: this many seconds are left-overs of a killed process and may be deleted.
STALE_SECONDS = 3600.0
#: Names the cache accepts for namespaces and keys (they become file names).
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file marks a topicbridge cache directory (embeddings and reduced embeddings).\n"
    "# It can be deleted at any time with `topicbridge cache clear`.\n"
)


class CorruptEntry(Exception):
    """A stored file does not match its entry (internal; never escapes this package)."""


def default_cache_dir() -> Path:
    """Return the cache folder to use when the config does not name one.

    Returns
    -------
    pathlib.Path
        ``$TOPICBRIDGE_CACHE`` if set and non-empty, else ``$XDG_CACHE_HOME/topicbridge`` if
        ``XDG_CACHE_HOME`` is an absolute path (the XDG spec says to ignore relative ones),
        else ``~/.cache/topicbridge``. ``~`` is expanded; nothing is created.
    """
    explicit = os.environ.get("TOPICBRIDGE_CACHE", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg and Path(xdg).expanduser().is_absolute():
        return Path(xdg).expanduser() / "topicbridge"
    return Path.home() / ".cache" / "topicbridge"


def unwritable_error(path: Path, exc: BaseException) -> CacheError:
    """Build the one error every unwritable cache location raises."""
    reason = getattr(exc, "strerror", None) or str(exc)
    return CacheError(
        f"cannot write to the cache at {path}: {reason}. Point the cache somewhere writable "
        "with the config key `cache.dir` or the environment variable TOPICBRIDGE_CACHE."
    )


def ensure_writable_dir(path: str | Path, root: str | Path | None = None) -> Path:
    """Create ``path`` (and parents) and check that files can be created in it.

    Parameters
    ----------
    path : str or pathlib.Path
        Folder to create.
    root : str or pathlib.Path, optional
        Cache root; when given and new, a ``CACHEDIR.TAG`` is written there so backup tools
        skip the cache.

    Returns
    -------
    pathlib.Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    CacheError
        If the folder cannot be created or written, naming the path and how to change it.
    """
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe_writable(path)
    except OSError as exc:
        raise unwritable_error(path, exc) from exc
    if root is not None:
        tag = Path(root) / "CACHEDIR.TAG"
        if not tag.exists():
            with contextlib.suppress(OSError):
                atomic_write(tag, lambda fh: fh.write(_CACHEDIR_TAG.encode()))
    return path


def write_npy_atomic(path: str | Path, array: np.ndarray) -> None:
    """Atomically save ``array`` as a ``.npy`` file (no pickles)."""
    atomic_write(path, lambda fh: np.lib.format.write_array(fh, array, allow_pickle=False))


def write_json_atomic(path: str | Path, obj: Any) -> None:
    """Atomically save ``obj`` as UTF-8 JSON."""
    data = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    atomic_write(path, lambda fh: fh.write(data))


def array_checksum(array: np.ndarray) -> str:
    """SHA-256 (hex) of the raw bytes of a C-contiguous array."""
    array = np.ascontiguousarray(array)
    return hashlib.sha256(memoryview(array).cast("B")).hexdigest()


def read_entry(path: Path) -> dict:
    """Read a JSON object; raise :class:`CorruptEntry` if it is not one."""
    try:
        return read_json(path, dict)
    except ValueError as exc:  # invalid UTF-8 or JSON, or not an object
        raise CorruptEntry(f"{path.name} is not a valid JSON object ({exc})") from exc


def load_npy_verified(
    path: Path, dtype: str, shape: tuple[int, ...], checksum: str
) -> np.ndarray:
    """Memory-map a ``.npy`` file and check it against its entry.

    Parameters
    ----------
    path : pathlib.Path
        The data file.
    dtype, shape, checksum
        What the entry recorded.

    Returns
    -------
    numpy.memmap
        Read-only view of the file.

    Raises
    ------
    FileNotFoundError
        If the file does not exist (a concurrent clear, not corruption).
    CorruptEntry
        If the file is truncated, has a bad header, or its dtype, shape, size or checksum
        differ from the entry.
    """
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError) as exc:
        raise CorruptEntry(f"{path.name} is unreadable ({exc})") from exc
    if str(array.dtype) != dtype or tuple(array.shape) != tuple(shape):
        raise CorruptEntry(
            f"{path.name} holds {array.dtype}{list(array.shape)}, entry says {dtype}{list(shape)}"
        )
    expected_size = array.offset + array.nbytes if isinstance(array, np.memmap) else None
    if expected_size is not None and path.stat().st_size != expected_size:
        raise CorruptEntry(f"{path.name} has {path.stat().st_size} bytes, expected {expected_size}")
    if array_checksum(array) != checksum:
        raise CorruptEntry(f"{path.name} fails its checksum")
    return array


def remove_quietly(*paths: Path) -> int:
    """Delete files, ignoring ones that are already gone; return the bytes freed."""
    freed = 0
    for path in paths:
        try:
            size = path.stat().st_size
            path.unlink()
            freed += size
        except OSError:
            continue
    return freed


def is_stale(path: Path, now: float | None = None) -> bool:
    """Whether an uncommitted file is old enough to be a left-over of a killed process."""
    try:
        age = (time.time() if now is None else now) - path.stat().st_mtime
    except OSError:
        return False
    return age > STALE_SECONDS


def iter_files(folder: Path) -> Iterator[Path]:
    """Regular files directly in ``folder`` (none if it does not exist)."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                yield Path(entry.path)


def check_name(value: str, what: str) -> str:
    """Validate a namespace or key that becomes part of a file name."""
    if not isinstance(value, str) or not _SAFE_NAME.match(value):
        raise CacheError(
            f"invalid cache {what} {value!r}: use 1-128 characters from A-Z a-z 0-9 . _ - "
            "starting with a letter or digit (array_key(...) builds a valid key)"
        )
    return value


def array_key(**parts: Any) -> str:
    """Stable key for a derived array, from the things it depends on.

    Parameters
    ----------
    **parts
        JSON-serialisable values (model key, corpus hash, UMAP parameters, seed, ...).
        Key order does not matter; ``1`` and ``1.0`` are different values.

    Returns
    -------
    str
        64 hexadecimal characters (SHA-256 of the canonical JSON of ``parts``).

    Raises
    ------
    CacheError
        If a part cannot be serialised to JSON.

    Examples
    --------
    >>> array_key(model="use", n_neighbors=15) == array_key(n_neighbors=15, model="use")
    True
    """
    try:
        canonical = json.dumps(
            parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise CacheError(
            f"array_key parts must be JSON-serialisable (str, int, float, bool, None, lists, "
            f"dicts); got {sorted(parts)}: {exc}"
        ) from exc
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ArrayCache:
    """Verified, memory-mapped store of derived arrays (e.g. UMAP reductions).

    Parameters
    ----------
    root : str or pathlib.Path
        Cache root (see :func:`default_cache_dir`). Nothing is created until :meth:`put`.
    namespace : str
        Sub-folder for one kind of array, e.g. ``"umap"``.

    Notes
    -----
    Every :meth:`get` checks the stored dtype, shape, file size and SHA-256; a bad entry is
    logged as a warning, deleted and reported as missing. Concurrent :meth:`put` calls for the
    same key are safe: each data file is named after its checksum and the entry that points to
    it is replaced atomically, so a reader always sees one complete, matching pair.
    """

    def __init__(self, root: str | Path, namespace: str) -> None:
        self.root = Path(root).expanduser()
        self.namespace = check_name(namespace, "namespace")

    @property
    def folder(self) -> Path:
        """Folder holding this namespace."""
        return self.root / "arrays" / self.namespace

    def _entry_path(self, key: str) -> Path:
        return self.folder / f"{check_name(key, 'key')}.json"

    def get(self, key: str) -> np.ndarray | None:
        """Return the stored array, or ``None`` if absent or corrupt.

        Parameters
        ----------
        key : str
            Entry key, usually from :func:`array_key`.

        Returns
        -------
        numpy.memmap or None
            Read-only memory-mapped array; copy it before modifying.
        """
        entry_path = self._entry_path(key)
        if not entry_path.is_file():
            return None
        data_path: Path | None = None
        try:
            entry = read_entry(entry_path)
            if entry.get("format") != FORMAT_VERSION or entry.get("key") != key:
                raise CorruptEntry(f"{entry_path.name} has an unknown format or another key")
            data_name = entry.get("data")
            if not isinstance(data_name, str) or not re.fullmatch(
                re.escape(key) + r"\.[0-9a-f]{16}\.npy", data_name
            ):
                raise CorruptEntry(f"{entry_path.name} names no valid data file")
            data_path = self.folder / data_name
            return load_npy_verified(
                data_path, str(entry["dtype"]), tuple(entry["shape"]), str(entry["sha256"])
            )
        except FileNotFoundError:
            return None  # cleared or replaced concurrently: simply missing
        except (CorruptEntry, KeyError, TypeError, ValueError) as exc:
            logger.warning(
                "discarding corrupt cache entry %s in %s: %s", key, self.folder, exc
            )
            remove_quietly(entry_path, *([data_path] if data_path else []))
            return None

    def put(self, key: str, array: np.ndarray) -> None:
        """Store ``array`` under ``key`` (replacing any previous value).

        Parameters
        ----------
        key : str
            Entry key, usually from :func:`array_key`.
        array : numpy.ndarray
            Numeric or boolean array; stored with its dtype and shape.

        Raises
        ------
        CacheError
            If the array holds Python objects, or the cache folder cannot be written.
        """
        entry_path = self._entry_path(key)
        array = np.ascontiguousarray(np.asarray(array))
        if array.dtype.hasobject or array.dtype.kind not in "biufc":
            raise CacheError(
                f"cannot cache array {key!r} in namespace {self.namespace!r}: dtype "
                f"{array.dtype} is not numeric or boolean"
            )
        folder = ensure_writable_dir(self.folder, self.root)
        checksum = array_checksum(array)
        data_path = folder / f"{key}.{checksum[:16]}.npy"
        entry = {
            "format": FORMAT_VERSION,
            "key": key,
            "namespace": self.namespace,
            "data": data_path.name,
            "dtype": str(array.dtype),
            "shape": list(array.shape),
            "sha256": checksum,
            "created": time.time(),
        }
        try:
            old = read_entry(entry_path).get("data") if entry_path.is_file() else None
        except (CorruptEntry, OSError):
            old = None
        try:
            write_npy_atomic(data_path, array)
            write_json_atomic(entry_path, entry)
        except OSError as exc:
            raise unwritable_error(folder, exc) from exc
        if isinstance(old, str) and old != data_path.name and re.fullmatch(
            re.escape(key) + r"\.[0-9a-f]{16}\.npy", old
        ):
            remove_quietly(folder / old)
        self._collect_garbage()

    def _collect_garbage(self) -> None:
        """Delete stale temporary files and data files that no entry points to."""
        now = time.time()
        for path in iter_files(self.folder):
            if path.name.startswith(TMP_PREFIX):
                orphan = True
            elif path.suffix == ".npy":
                # "<key>.<16 hex>.npy" belongs to "<key>.json" if that entry names it.
                entry_path = self.folder / f"{path.name[:-21]}.json"
                try:
                    orphan = read_entry(entry_path).get("data") != path.name
                except (CorruptEntry, OSError):
                    orphan = True
            else:
                continue
            if orphan and is_stale(path, now):
                logger.info("removing left-over cache file %s", path)
                remove_quietly(path)
