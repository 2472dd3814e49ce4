"""Cache maintenance: what a cache holds (``topicbridge cache info``) and clearing it.

Works on the layout of :mod:`toolkit.cache.embeddings` (embedding shards) and
:class:`toolkit.cache.store.ArrayCache` (stored arrays), reading only indexes and file sizes.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from toolkit.cache.embeddings import EmbeddingCache, parse_index
from toolkit.cache.store import ArrayCache, CorruptEntry, iter_files, remove_quietly
from toolkit.errors import CacheError
from toolkit.files import TMP_PREFIX

__all__ = ["cache_info", "clear_cache"]

logger = logging.getLogger(__name__)


def _check_root(root: str | Path) -> Path:
    root = Path(root).expanduser()
    if root.exists() and not root.is_dir():
        raise CacheError(
            f"the cache location {root} is a file, not a folder. Set `cache.dir` or "
            "TOPICBRIDGE_CACHE to a folder."
        )
    return root


def _folder_bytes(folder: Path) -> int:
    total = 0
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue
    return total


def cache_info(root: str | Path) -> dict:
    """Summarise what a cache holds, without modifying it.

    Parameters
    ----------
    root : str or pathlib.Path
        Cache root.

    Returns
    -------
    dict
        ``root``; ``entries`` (cached embeddings plus stored arrays); ``bytes`` (every file
        :func:`clear_cache` would delete, left-overs included); ``embeddings``: ``{model_key:
        {"entries", "shards", "dim", "bytes"}}`` where ``entries`` counts distinct texts;
        ``arrays``: ``{namespace: {"entries", "bytes"}}``.

    Raises
    ------
    CacheError
        If ``root`` exists but is not a folder.
    """
    root = _check_root(root)
    info: dict = {"root": str(root), "entries": 0, "bytes": 0, "embeddings": {}, "arrays": {}}
    tag = root / "CACHEDIR.TAG"
    if tag.is_file():
        info["bytes"] += tag.stat().st_size
    emb_root = root / "embeddings"
    for folder in sorted(p for p in _subfolders(emb_root)):
        model_key: str | None = None
        seen: set[str] = set()
        shards, dim = 0, None
        for path in iter_files(folder):
            if path.suffix != ".json" or path.name.startswith(TMP_PREFIX):
                continue
            try:
                shard = parse_index(path)
            except (CorruptEntry, OSError):
                continue
            model_key = shard.model_key
            shards += 1
            dim = shard.dim if dim is None else dim
            seen.update(shard.hashes)
        size = _folder_bytes(folder)
        info["bytes"] += size
        key = model_key if model_key is not None else f"(unreadable) {folder.name}"
        info["embeddings"][key] = {
            "entries": len(seen), "shards": shards, "dim": dim, "bytes": size,
        }
        info["entries"] += len(seen)
    for folder in sorted(_subfolders(root / "arrays")):
        entries = sum(
            1 for p in iter_files(folder)
            if p.suffix == ".json" and not p.name.startswith(TMP_PREFIX)
        )
        size = _folder_bytes(folder)
        info["arrays"][folder.name] = {"entries": entries, "bytes": size}
        info["entries"] += entries
        info["bytes"] += size
    return info


def _subfolders(folder: Path) -> list[Path]:
    try:
        return [Path(e.path) for e in os.scandir(folder) if e.is_dir(follow_symlinks=False)]
    except (FileNotFoundError, NotADirectoryError):
        return []


def _remove_tree(folder: Path) -> int:
    """Delete a cache folder bottom-up; return bytes freed."""
    freed = 0
    for dirpath, dirnames, filenames in os.walk(folder, topdown=False):
        for name in filenames:
            path = Path(dirpath) / name
            try:
                size = path.lstat().st_size
                path.unlink()
                freed += size
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise CacheError(
                    f"cannot delete {path} while clearing the cache: {exc.strerror or exc}"
                ) from exc
        for name in dirnames:
            try:
                (Path(dirpath) / name).rmdir()
            except OSError:
                pass
    try:
        folder.rmdir()
    except OSError:
        pass
    return freed


def clear_cache(
    root: str | Path, *, model_key: str | None = None, namespace: str | None = None
) -> int:
    """Delete cached embeddings and arrays.

    Only the cache's own folders (``embeddings/``, ``arrays/``) and ``CACHEDIR.TAG`` are
    touched, so pointing the cache at a folder that holds other files is safe.

    Parameters
    ----------
    root : str or pathlib.Path
        Cache root.
    model_key : str, optional
        Delete only the embeddings of this model.
    namespace : str, optional
        Delete only the arrays of this namespace. With neither, everything is deleted.

    Returns
    -------
    int
        Bytes freed.

    Raises
    ------
    CacheError
        If ``root`` is not a folder or a file cannot be deleted.
    """
    root = _check_root(root)
    if model_key is None and namespace is None:
        freed = _remove_tree(root / "embeddings") + _remove_tree(root / "arrays")
        freed += remove_quietly(root / "CACHEDIR.TAG")
    else:
        freed = 0
        if model_key is not None:
            freed += _remove_tree(EmbeddingCache(root).model_folder(model_key))
        if namespace is not None:
            freed += _remove_tree(ArrayCache(root, namespace).folder)
    logger.info("cleared %d bytes from the cache at %s", freed, root)
    return freed
