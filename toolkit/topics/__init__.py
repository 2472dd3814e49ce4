"""Topics: UMAP reduction, clustering, BERTopic, per-language topic words.

The names below load their modules when first used: importing one light submodule (the
config imports :mod:`toolkit.topics.clustering` for the method names) does not import the
rest.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = ["fit_topics", "reduce_embeddings", "topic_similarity", "TopicResult"]

_LAZY = {
    "fit_topics": "toolkit.topics.model",
    "topic_similarity": "toolkit.topics.model",
    "reduce_embeddings": "toolkit.topics.reduce",
    "TopicResult": "toolkit.topics.result",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit.topics' has no attribute {name!r}")
    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
