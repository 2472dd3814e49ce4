"""Fill the shared embedding cache straight from corpus files on Ray (``topicbridge embed``).

For corpora too big for one process: Ray Data reads the JSONL or Parquet file in blocks on
the workers (``read_json`` / ``read_parquet``), Ray tasks clean, language-tag and segment each
block with the same code as the local loader (:func:`toolkit.corpus.prepare.prepare_corpus`,
which works document by document), and embedder actors (one model load each) embed the
segments into the content-addressed cache. No process ever holds the whole corpus, and the
driver only counts rows. A later ``topicbridge run`` of the same config finds every vector in
the cache.

The actors batch the segments as Ray Data's blocks come, not in the order the local path
would. ``use-multilingual`` gives a text the same bytes in any batch; with a model that is not
batch-invariant (sentence-transformers) these vectors can differ from a local computation in
the last bits, and ``topicbridge run`` with ``execution.backend: ray`` is the path whose vectors
are byte-identical to the local backend's.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.errors import ConfigError

__all__ = ["embed_files_ray", "segment_files_ray"]

log = logging.getLogger(__name__)

_COLUMNS = ("id", "text", "lang", "date", "label", "group")


def _segment_block(batch: dict[str, np.ndarray], corpus: dict[str, Any]) -> dict[str, np.ndarray]:
    """Ray Data task body: raw rows of a block -> the segment texts the local loader would make."""
    from toolkit.corpus.load import parse_date
    from toolkit.corpus.model import Document
    from toolkit.corpus.prepare import prepare_corpus

    def get(col: str, i: int) -> str | None:
        v = batch[col][i] if col in batch else None
        v = None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()
        return v or None

    docs = []
    for i in range(len(batch["text"])):
        lang = get("lang", i)
        docs.append(Document(id=get("id", i) or str(i), text=str(batch["text"][i]),
                             lang=lang.lower() if lang else None, lang_given=lang is not None,
                             date=parse_date(get("date", i), "corpus")))
    c = corpus
    prepared = prepare_corpus(docs, unit=c["unit"], clean=c["clean"], min_chars_cjk=c["min_chars_cjk"],
                              min_words=c["min_words"], window_size=c["window_size"],
                              window_overlap=c["window_overlap"], languages=c["languages"])
    return {"text": np.asarray(prepared.texts, dtype=object)}


class _CacheFiller:
    """Ray Data actor: embeds blocks of segment texts into the shared cache."""

    def __init__(self, model: str, allow_download: bool, threads: int, batch_size: int, cache_dir: str,
                 precision: str = "auto") -> None:
        import os

        if not allow_download:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from toolkit.embedding import get_embedder
        from toolkit.cache import EmbeddingCache
        from toolkit.distributed.embed import use_gpu_if_assigned

        self.embedder = get_embedder(model, allow_download=allow_download, threads=threads, precision=precision)
        use_gpu_if_assigned(self.embedder)
        self.cache = EmbeddingCache(cache_dir)
        self.batch_size = batch_size

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = [str(t) for t in batch["text"]]
        _, stats = self.cache.get_or_compute(
            self.embedder.model_key, texts, lambda missing: self.embedder.embed(missing, batch_size=self.batch_size))
        return {"segments": np.array([len(texts)]), "computed": np.array([stats["computed"]])}


def segment_files_ray(config: Any) -> Any:
    """The segment texts of ``config.corpus`` (JSONL or Parquet) as a Ray Dataset (column ``text``).

    The file is read in blocks on the workers and each block is cleaned, language-tagged and
    segmented there with the local loader's code; nothing is computed until the dataset is
    consumed.

    Raises
    ------
    ConfigError
        A missing file, another corpus format, or no ``text`` column.
    """
    from toolkit.corpus.load import detect_format
    from toolkit.distributed.runtime import ensure_ray

    c = config.corpus
    if c.path is None:
        raise ConfigError("corpus.path: not set; name the JSONL or Parquet file to embed")
    path = Path(c.path).expanduser().resolve()
    if not path.exists():
        raise ConfigError(f"corpus.path {c.path!r}: {path} does not exist")
    fmt = detect_format(path, c.format)
    if fmt not in ("jsonl", "parquet"):
        raise ConfigError(f"corpus.format {fmt!r}: topicbridge embed streams jsonl or parquet files only; "
                          "use topicbridge run for other formats")
    ray = ensure_ray(config.execution)
    reader = ray.data.read_parquet if fmt == "parquet" else ray.data.read_json
    ds = reader(str(path))
    if c.limit:
        ds = ds.limit(c.limit)
    keep = [k for k in _COLUMNS if k in ds.schema().names]
    if "text" not in keep:
        raise ConfigError(f"{path}: no 'text' column (columns: {', '.join(ds.schema().names)})")
    corpus = {k: getattr(c, k) for k in ("unit", "clean", "min_chars_cjk", "min_words", "window_size",
                                         "window_overlap", "languages")}
    return ds.select_columns(keep).map_batches(_segment_block, batch_format="numpy", fn_kwargs={"corpus": corpus})


def embed_files_ray(config: Any, progress: Any = None) -> dict[str, Any]:
    """Embed every segment of ``config.corpus`` (JSONL or Parquet) into the cache on Ray.

    Returns
    -------
    dict
        ``segments`` (embedded positions), ``computed`` (new vectors), ``workers``, ``cache``.

    Raises
    ------
    ConfigError
        Another corpus format, the cache disabled, or Ray missing.
    """
    from toolkit.distributed.embed import actor_threads
    from toolkit.distributed.runtime import ensure_ray, gpus_per_actor, worker_count
    from toolkit.cache import cache_root

    root = cache_root(config)
    if root is None:
        raise ConfigError("topicbridge embed fills the embedding cache: set cache.enabled: true")
    root = Path(root).expanduser().resolve()
    segments_ds = segment_files_ray(config)
    ray = ensure_ray(config.execution)
    threads = actor_threads(config)
    workers = worker_count(ray, config.execution, threads)
    e = config.embedding
    # Segments are materialised (in the cluster's object store, spread over the nodes) before
    # the actors start: an actor pool as large as the cluster holds every CPU, and reading tasks
    # scheduled after it would wait for a CPU forever.
    ds = segments_ds.materialize()
    ds = ds.map_batches(
        _CacheFiller, batch_size=4096, batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=workers),
        fn_constructor_kwargs={"model": e.model, "allow_download": e.allow_download, "threads": threads,
                               "batch_size": e.batch_size, "cache_dir": str(root), "precision": e.precision},
        num_cpus=threads, num_gpus=gpus_per_actor(ray))
    advance = progress("embed", None) if progress else (lambda n: None)
    segments = computed = 0
    for row in ds.iter_rows():
        segments += int(row["segments"])
        computed += int(row["computed"])
        advance(int(row["segments"]))
    return {"segments": segments, "computed": computed, "workers": workers, "cache": str(root)}
