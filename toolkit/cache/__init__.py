"""The content-addressed cache: embeddings by text and model, and stored arrays (UMAP layouts).

``store`` writes and verifies arrays (:class:`ArrayCache`, :func:`array_key`), ``embeddings``
keeps embedding shards (:class:`EmbeddingCache`), ``admin`` reports on and clears a cache
(``topicbridge cache info|clear``). :func:`cache_root` is where a config's cache lives. The
layout on disk is described in docs/cache.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.cache.embeddings import EmbeddingCache, text_hash
from toolkit.cache.store import ArrayCache, array_key, default_cache_dir

__all__ = ["ArrayCache", "EmbeddingCache", "array_key", "cache_root", "default_cache_dir", "text_hash"]


def cache_root(config: Any) -> Path | None:
    """The cache folder of an experiment config, or ``None`` when ``cache.enabled`` is false.

    ``cache.dir`` when set, else :func:`default_cache_dir`.
    """
    if not config.cache.enabled:
        return None
    return Path(config.cache.dir) if config.cache.dir else default_cache_dir()
