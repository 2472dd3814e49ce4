"""Distributed embedding: Ray Data streams text chunks to embedder actors that fill the cache.

The driver asks the content-addressed cache (:class:`toolkit.cache.EmbeddingCache`)
which distinct texts are missing and cuts them into the same ``shard_rows`` chunks the local
path computes. Each chunk is one row of a Ray Dataset; ``map_batches`` with an
``ActorPoolStrategy`` hands the rows to embedder actors (one model load per actor, one GPU per
actor when the cluster has GPUs). An actor embeds its chunk with the same ``batch_size`` as
the local path and writes it to the cache as one shard; the driver then reads every vector
from the cache. Batches of the same texts and the same ``embedding.threads`` give the same
bytes as the local backend, and a vector stored by either backend is a hit for the other.

The cache folder must be readable and writable by every worker (a shared folder on a
cluster; on one machine any local folder).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Callable

import numpy as np

from toolkit.errors import ConfigError, EmbeddingError

__all__ = ["embed_corpus_ray", "actor_threads", "use_gpu_if_assigned"]

log = logging.getLogger(__name__)


def actor_threads(config: Any) -> int:
    """BLAS/torch threads per embedding actor: ``embedding.threads``, else 1."""
    return int(config.embedding.threads or 1)


def use_gpu_if_assigned(embedder: Any) -> None:
    """Move the embedder to the GPU Ray gave this actor, if any (``Embedder.to``; USE stays
    on the CPU)."""
    import ray

    if ray.get_gpu_ids():
        embedder.to("cuda")


class _EmbedActor:
    """Ray Data actor: loads the model once, embeds chunks into the shared cache."""

    def __init__(self, model: str, allow_download: bool, threads: int, batch_size: int, cache_dir: str,
                 model_key: str, shard_rows: int, precision: str = "auto") -> None:
        if not allow_download:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from toolkit.embedding import get_embedder
        from toolkit.cache import EmbeddingCache

        self.embedder = get_embedder(model, allow_download=allow_download, threads=threads, precision=precision)
        use_gpu_if_assigned(self.embedder)
        if self.embedder.model_key != model_key:
            raise EmbeddingError(f"a Ray worker has {self.embedder.model_key!r} but the driver has {model_key!r}: "
                                 "install the same package versions on every node")
        self.cache = EmbeddingCache(cache_dir, shard_rows=shard_rows)
        self.model_key = model_key
        self.batch_size = batch_size

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        computed = []
        for texts in batch["texts"]:
            chunk = [str(t) for t in texts]
            _, stats = self.cache.get_or_compute(
                self.model_key, chunk, lambda missing: self.embedder.embed(missing, batch_size=self.batch_size))
            computed.append(stats["computed"])
        return {"chunk": batch["chunk"], "rows": np.array([len(t) for t in batch["texts"]]),
                "computed": np.array(computed)}


def embed_corpus_ray(texts: list[str], embedder: Any, config: Any,
                     progress: Callable[[str, int | None], Callable[[int], None]]) -> tuple[np.ndarray, dict[str, Any]]:
    """Embed ``texts`` on Ray through the shared cache; same result as the local path.

    Returns
    -------
    matrix : ndarray of float32, shape (len(texts), dim)
    stats : dict
        ``hits``, ``misses``, ``computed`` as for the local cache, plus ``backend``,
        ``workers`` and ``chunks``.
    """
    from toolkit.distributed.runtime import ensure_ray, gpus_per_actor, worker_count
    from toolkit.cache import EmbeddingCache, cache_root

    root = cache_root(config)
    if root is None:
        raise ConfigError("execution.backend 'ray' needs cache.enabled: true: the embedding cache is where "
                          "the Ray workers put the vectors (set cache.dir to a folder every worker can reach)")
    root = Path(root).expanduser().resolve()
    ray = ensure_ray(config.execution)
    cache = EmbeddingCache(root)
    key = embedder.model_key
    advance = progress("embed", len(texts))
    missing = cache.missing(key, texts)
    if len(texts) - len(missing):
        advance(len(texts) - len(missing))
    chunks = [missing[i:i + cache.shard_rows] for i in range(0, len(missing), cache.shard_rows)]
    threads = actor_threads(config)
    workers = min(worker_count(ray, config.execution, threads), max(1, len(chunks)))
    computed = 0
    if chunks:
        ds = ray.data.from_items([{"chunk": i, "texts": c} for i, c in enumerate(chunks)],
                                 override_num_blocks=len(chunks))
        e = config.embedding
        ds = ds.map_batches(
            _EmbedActor, batch_size=1, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=workers),
            fn_constructor_kwargs={"model": e.model, "allow_download": e.allow_download, "threads": threads,
                                   "batch_size": e.batch_size, "cache_dir": str(root), "model_key": key,
                                   "shard_rows": cache.shard_rows, "precision": e.precision},
            num_cpus=threads, num_gpus=gpus_per_actor(ray))
        for row in ds.iter_rows():
            computed += int(row["computed"])
            advance(int(row["rows"]))
    matrix, stats = cache.get_or_compute(key, texts, lambda rest: embedder.embed(rest, batch_size=config.embedding.batch_size))
    if stats["computed"]:
        log.warning("%d texts were not in the cache after the Ray workers finished; embedded them here",
                    stats["computed"])
    misses = _positions_of(texts, missing)
    out = {"enabled": True, "dir": str(root), "hits": len(texts) - misses, "misses": misses,
           "computed": computed + stats["computed"], "backend": "ray", "workers": workers,
           "chunks": len(chunks), "threads_per_worker": threads}
    return np.asarray(matrix, dtype=np.float32), out


def _positions_of(texts: list[str], missing: list[str]) -> int:
    """Positions of ``texts`` holding one of ``missing`` (what the workers just computed)."""
    if not missing:
        return 0
    wanted = set(missing)
    return sum(1 for t in texts if t in wanted)
