"""Content-addressed on-disk cache of text embeddings.

An embedding is keyed by ``(model_key, sha256(text as UTF-8))``. ``model_key`` is chosen by the
caller and must change whenever the vectors would change (model id plus version). Rows are
stored in *shards*: one float32 ``.npy`` per write batch plus a JSON index for that shard
(text hashes in row order, shape, SHA-256 of the array bytes). There is no shared index file:
the index of a model is rebuilt by reading the shard indexes, so concurrent runs only ever
create new files and cannot overwrite each other's work.

Layout (see ``docs/cache.md``)::

    <root>/CACHEDIR.TAG
    <root>/embeddings/<model slug>-<sha256(model_key)[:12]>/shard-<uuid>.npy
    <root>/embeddings/<model slug>-<sha256(model_key)[:12]>/shard-<uuid>.json
    <root>/arrays/<namespace>/...                       (see toolkit.cache.store.ArrayCache)

Reads are memory-mapped and verified (shape, size, checksum) before any row is used; a bad
shard or index is logged, deleted and its rows recomputed.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toolkit.cache.store import (
    FORMAT_VERSION,
    ArrayCache,
    CorruptEntry,
    array_checksum,
    array_key,
    default_cache_dir,
    ensure_writable_dir,
    is_stale,
    iter_files,
    load_npy_verified,
    read_entry,
    remove_quietly,
    unwritable_error,
    write_json_atomic,
    write_npy_atomic,
)
from toolkit.errors import CacheError, EmbeddingError
from toolkit.files import TMP_PREFIX

__all__ = [
    "EmbeddingCache",
    "ArrayCache",
    "array_key",
    "default_cache_dir",
    "text_hash",
    "parse_index",
    "Shard",
]

logger = logging.getLogger(__name__)

_SHARD_NAME = re.compile(r"^shard-[0-9a-f]{32}$")

#: Rows per shard (and per ``compute`` call) when ``shard_rows`` is not given. The embedder
#: batches within a shard, so this also fixes which texts share a batch.
DEFAULT_SHARD_ROWS = 4096


def text_hash(text: str) -> str:
    """SHA-256 (hex) of a text encoded as UTF-8, the cache key of its embedding."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _hashes_digest(hashes: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(hashes).encode("ascii")).hexdigest()


def _is_run(index: np.ndarray) -> bool:
    """Whether ``index`` is a non-empty run of consecutive increasing integers."""
    return len(index) > 0 and bool(np.all(np.diff(index) == 1))


def _model_folder_name(model_key: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_key).strip("._-")[:60] or "model"
    return f"{slug}-{hashlib.sha256(model_key.encode('utf-8')).hexdigest()[:12]}"


@dataclass(frozen=True, eq=False)
class Shard:
    """One committed shard, as described by its index file."""

    stem: str
    folder: Path
    model_key: str
    rows: int
    dim: int
    sha256: str
    hashes: tuple[str, ...]
    created: float

    @property
    def index_path(self) -> Path:
        return self.folder / f"{self.stem}.json"

    @property
    def data_path(self) -> Path:
        return self.folder / f"{self.stem}.npy"


def parse_index(path: Path) -> Shard:
    """Read and validate one shard index; raise CorruptEntry if anything is off."""
    entry = read_entry(path)
    try:
        if entry["format"] != FORMAT_VERSION:
            raise CorruptEntry(f"{path.name} has format {entry['format']!r}")
        shape = entry["shape"]
        hashes = entry["texts"]
        if entry["data"] != f"{path.stem}.npy" or entry["dtype"] != "float32":
            raise CorruptEntry(f"{path.name} names another data file or dtype")
        if not (isinstance(shape, list) and len(shape) == 2 and all(
            isinstance(v, int) and v >= 0 for v in shape
        )):
            raise CorruptEntry(f"{path.name} has an invalid shape {shape!r}")
        if not isinstance(hashes, list) or len(hashes) != shape[0]:
            raise CorruptEntry(f"{path.name} lists {len(hashes)} texts for {shape[0]} rows")
        # the digest covers every hash (join raises TypeError on a non-string)
        if _hashes_digest(hashes) != entry["texts_sha256"]:
            raise CorruptEntry(f"{path.name} fails its checksum")
        if not isinstance(entry["model_key"], str) or not isinstance(entry["sha256"], str):
            raise CorruptEntry(f"{path.name} has no model key or checksum")
        return Shard(
            stem=path.stem,
            folder=path.parent,
            model_key=entry["model_key"],
            rows=shape[0],
            dim=shape[1],
            sha256=entry["sha256"],
            hashes=tuple(hashes),
            created=float(entry.get("created", 0.0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CorruptEntry(f"{path.name} lacks a valid field ({exc!r})") from exc


def _discard(shard_stem: str, folder: Path, reason: object) -> None:
    logger.warning("discarding corrupt embedding cache shard %s/%s: %s", folder, shard_stem, reason)
    # The index is the commit marker: remove it first so nobody picks up the data.
    remove_quietly(folder / f"{shard_stem}.json", folder / f"{shard_stem}.npy")


class EmbeddingCache:
    """On-disk cache of embeddings, keyed by model and text content.

    Parameters
    ----------
    root : str or pathlib.Path
        Cache root, usually :func:`default_cache_dir` or the config key ``cache.dir``.
        Nothing is created until the first embedding is stored.
    shard_rows : int, optional
        Most rows passed to ``compute`` in one call and stored in one shard (default
        :data:`DEFAULT_SHARD_ROWS`).

    Examples
    --------
    >>> cache = EmbeddingCache(tmp_path)                                    # doctest: +SKIP
    >>> X, stats = cache.get_or_compute("use-multilingual@3", texts, embed)  # doctest: +SKIP
    """

    def __init__(self, root: str | Path, *, shard_rows: int | None = None) -> None:
        if shard_rows is None:
            shard_rows = DEFAULT_SHARD_ROWS
        if isinstance(shard_rows, bool) or not isinstance(shard_rows, int) or shard_rows < 1:
            raise CacheError(f"shard_rows must be a positive integer, got {shard_rows!r}")
        self.root = Path(root).expanduser()
        self.shard_rows = shard_rows

    def model_folder(self, model_key: str) -> Path:
        """Folder holding the shards of ``model_key``."""
        if not isinstance(model_key, str) or not model_key.strip():
            raise CacheError(f"model_key must be a non-empty string, got {model_key!r}")
        return self.root / "embeddings" / _model_folder_name(model_key)

    # -- reading -------------------------------------------------------------------------

    def _shards(self, model_key: str) -> list[Shard]:
        """Committed shards of a model, oldest first; corrupt indexes are removed."""
        folder = self.model_folder(model_key)
        files = list(iter_files(folder))
        indexed: set[str] = set()
        shards: list[Shard] = []
        for path in files:
            if path.suffix != ".json" or path.name.startswith(TMP_PREFIX):
                continue
            if not _SHARD_NAME.match(path.stem):
                continue
            try:
                shard = parse_index(path)
            except CorruptEntry as exc:
                _discard(path.stem, folder, exc)
                continue
            except FileNotFoundError:
                continue
            except OSError as exc:
                logger.warning("cannot read embedding cache index %s: %s", path, exc)
                continue
            if shard.model_key != model_key:
                logger.warning("ignoring shard %s: it belongs to model %r", path, shard.model_key)
                continue
            indexed.add(path.stem)
            shards.append(shard)
        now = time.time()
        for path in files:  # left-overs of killed writers
            uncommitted = path.name.startswith(TMP_PREFIX) or (
                path.suffix == ".npy" and path.stem not in indexed
            )
            if uncommitted and is_stale(path, now) and not path.with_suffix(".json").exists():
                logger.info("removing left-over cache file %s", path)
                remove_quietly(path)
        shards.sort(key=lambda s: (s.created, s.stem))
        dims = {s.dim for s in shards if s.rows}
        if len(dims) > 1:
            raise CacheError(
                f"the embedding cache for model {model_key!r} in {folder} mixes vector sizes "
                f"{sorted(dims)}: the model changed without its key. Include the model version "
                "in the key, or delete that folder (`topicbridge cache clear`)."
            )
        return shards

    def _read_cached(
        self, model_key: str, hashes: list[str]
    ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], int | None]:
        """Locate and verify the cached rows of ``hashes``.

        Returns, per position, the number of the verified array holding it (-1 if not
        cached) and its row there; the verified arrays; and the vector size of the model
        (None when nothing is cached).
        """
        folder = self.model_folder(model_key)
        bad: set[str] = set()  # never retried, even if they could not be deleted
        while True:
            shards = [s for s in self._shards(model_key) if s.stem not in bad]
            dim = next((s.dim for s in shards if s.rows), None)
            location: dict[str, tuple[int, int]] = {}  # hash -> (shard number, row)
            for number in range(len(shards) - 1, -1, -1):  # oldest shard wins duplicates
                rows = shards[number].hashes
                location.update(zip(rows, zip([number] * len(rows), range(len(rows)))))
            found = [location.get(h, (-1, -1)) for h in hashes]
            where = np.array(found, dtype=np.int64).reshape(len(hashes), 2)
            used = np.unique(where[:, 0][where[:, 0] >= 0]).tolist()
            arrays: list[np.ndarray] = []
            for number in used:
                shard = shards[number]
                try:
                    arrays.append(load_npy_verified(
                        shard.data_path, "float32", (shard.rows, shard.dim), shard.sha256
                    ))
                except (CorruptEntry, FileNotFoundError) as exc:
                    missing = isinstance(exc, FileNotFoundError)
                    _discard(shard.stem, folder, "its data file is missing" if missing else exc)
                    bad.add(shard.stem)
            if any(shards[number].stem in bad for number in used):
                continue  # rebuild the index without the bad shards; rows may live elsewhere
            slot = np.full(len(shards) + 1, -1, dtype=np.int64)
            slot[used] = np.arange(len(used))
            return slot[where[:, 0]], where[:, 1], arrays, dim

    def missing(self, model_key: str, texts: Sequence[str]) -> list[str]:
        """Distinct texts of ``texts`` not cached for ``model_key``, in order of first appearance.

        These are exactly the texts :meth:`get_or_compute` would pass to ``compute``, in the
        same order, so a caller can compute them elsewhere (e.g. on Ray workers) in the same
        ``shard_rows`` chunks and get the same vectors.
        """
        hashes = [text_hash(t) for t in texts]
        source, _, _, _ = self._read_cached(model_key, hashes)
        seen: set[str] = set()
        out: list[str] = []
        for pos in np.flatnonzero(source < 0):
            if hashes[pos] not in seen:
                seen.add(hashes[pos])
                out.append(texts[pos])
        return out

    # -- the public entry point ----------------------------------------------------------

    def get_or_compute(
        self,
        model_key: str,
        texts: Sequence[str],
        compute: Callable[[list[str]], np.ndarray],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> tuple[np.ndarray, dict]:
        """Return embeddings of ``texts``, computing and storing only the missing ones.

        Parameters
        ----------
        model_key : str
            Identifies the model and its version; vectors of different keys never mix.
        texts : sequence of str
            Texts to embed, duplicates allowed.
        compute : callable
            ``compute(batch) -> array of shape (len(batch), dim)``. It receives only texts that
            are not cached, each once, in order of first appearance, at most ``shard_rows``
            per call.
        progress : callable, optional
            Called with the number of ``texts`` (positions, duplicates included) whose vector
            has just become ready: once with the hits after the cache lookup, then after each
            newly stored shard; never with 0. The calls add up to ``len(texts)``, like
            :meth:`Embedder.embed`'s ``progress``, so a progress bar's ``advance`` fits.

        Returns
        -------
        embeddings : numpy.ndarray of float32, shape (len(texts), dim)
            Row ``i`` embeds ``texts[i]``; a new array, not a view of the cache.
        stats : dict
            ``hits``: positions served from the cache; ``misses``: positions that were not
            cached (``hits + misses == len(texts)``); ``computed``: distinct texts passed to
            ``compute``.

        Raises
        ------
        CacheError
            If the cache folder cannot be written, or the computed vector size differs from
            the cached one for the same ``model_key``.
        EmbeddingError
            If ``compute`` returns an array of the wrong shape or with non-finite values.
        """
        texts = list(texts)
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(f"texts[{i}] is {type(text).__name__}, expected str")
        folder = self.model_folder(model_key)
        hashes = [text_hash(t) for t in texts]
        n = len(texts)

        source, row, arrays, dim = self._read_cached(model_key, hashes)
        hit_mask = source >= 0
        n_hits = int(hit_mask.sum())

        out: np.ndarray | None = None
        if dim is not None:
            out = np.empty((n, dim), dtype=np.float32)
            for a, array in enumerate(arrays):
                mine = np.flatnonzero(source == a)
                rows = row[mine]
                if _is_run(mine) and _is_run(rows):  # same order as stored: one block copy
                    out[mine[0] : mine[-1] + 1] = array[rows[0] : rows[-1] + 1]
                else:
                    out[mine] = array[rows]

        # distinct missing texts, in order of first appearance
        miss_positions = np.flatnonzero(~hit_mask)
        unique_index: dict[str, int] = {}
        miss_texts: list[str] = []
        miss_slot = np.empty(len(miss_positions), dtype=np.int64)
        for j, pos in enumerate(miss_positions):
            h = hashes[pos]
            slot = unique_index.get(h)
            if slot is None:
                slot = unique_index[h] = len(miss_texts)
                miss_texts.append(texts[pos])
            miss_slot[j] = slot
        logger.info(
            "embedding cache %s: %d of %d texts cached, %d to compute",
            model_key, n_hits, n, len(miss_texts),
        )
        if miss_texts:
            ensure_writable_dir(folder, self.root)  # fail before any expensive compute
        if progress is not None and n_hits:
            progress(n_hits)

        order = np.argsort(miss_slot, kind="stable")
        sorted_slots = miss_slot[order]
        sorted_positions = miss_positions[order]
        unique_hashes = list(unique_index)
        for start in range(0, len(miss_texts), self.shard_rows):
            stop = min(start + self.shard_rows, len(miss_texts))
            batch = self._checked(compute(miss_texts[start:stop]), stop - start, model_key, dim)
            dim = batch.shape[1]
            self._write_shard(folder, model_key, unique_hashes[start:stop], batch)
            if out is None:
                out = np.empty((n, dim), dtype=np.float32)
            lo, hi = np.searchsorted(sorted_slots, [start, stop])
            out[sorted_positions[lo:hi]] = batch[sorted_slots[lo:hi] - start]
            if progress is not None:
                progress(int(hi - lo))

        if out is None:  # no texts, nothing cached: the vector size is unknown
            out = np.empty((0, 0), dtype=np.float32)
        stats = {"hits": n_hits, "misses": n - n_hits, "computed": len(miss_texts)}
        return out, stats

    # -- helpers -------------------------------------------------------------------------

    @staticmethod
    def _checked(result: object, n: int, model_key: str, dim: int | None) -> np.ndarray:
        try:
            batch = np.asarray(result, dtype=np.float32)
        except (TypeError, ValueError) as exc:
            raise EmbeddingError(
                f"the embedder for {model_key!r} returned {type(result).__name__}, "
                f"not a numeric array: {exc}"
            ) from exc
        if batch.ndim != 2 or batch.shape[0] != n:
            raise EmbeddingError(
                f"the embedder for {model_key!r} returned shape {batch.shape} for {n} texts; "
                f"expected ({n}, vector size)"
            )
        if not np.isfinite(batch).all():
            bad = int((~np.isfinite(batch)).any(axis=1).sum())
            raise EmbeddingError(
                f"the embedder for {model_key!r} returned NaN or infinite values for {bad} of "
                f"{n} texts; nothing was cached"
            )
        if dim is not None and batch.shape[1] != dim:
            raise CacheError(
                f"the embedder for {model_key!r} returned {batch.shape[1]}-d vectors but the "
                f"cache holds {dim}-d vectors under the same key: the model changed without "
                "its key. Include the model version in the key, or run `topicbridge cache "
                "clear`."
            )
        return np.ascontiguousarray(batch)

    def _write_shard(
        self, folder: Path, model_key: str, hashes: list[str], batch: np.ndarray
    ) -> None:
        stem = f"shard-{uuid.uuid4().hex}"
        index = {
            "format": FORMAT_VERSION,
            "model_key": model_key,
            "data": f"{stem}.npy",
            "dtype": "float32",
            "shape": list(batch.shape),
            "sha256": array_checksum(batch),
            "texts_sha256": _hashes_digest(hashes),
            "created": time.time(),
            "texts": hashes,
        }
        try:
            write_npy_atomic(folder / f"{stem}.npy", batch)  # data first,
            write_json_atomic(folder / f"{stem}.json", index)  # then the commit marker
        except OSError as exc:
            remove_quietly(folder / f"{stem}.npy")
            raise unwritable_error(folder, exc) from exc
