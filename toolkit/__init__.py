"""topicbridge: multilingual topic modelling with cross-lingual embeddings and BERTopic.

Typical use::

    from toolkit import TopicBridge
    model = TopicBridge(umap__n_neighbors=30).fit(texts, langs=langs)
    model.topic_info()
    topics, scores = model.transform(new_texts)
    model.save("my-model")

    from toolkit import load_config, run_experiment
    outcome = run_experiment(load_config("configs/seeds.yaml"))
    print(outcome.path, outcome.metrics["n_topics"])

The steps are usable on their own: :func:`load_corpus`, :func:`get_embedder`,
:func:`reduce_embeddings`, :func:`fit_topics`, :func:`evaluate_run`, :func:`write_report`.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "TopicBridge",
    "load_config",
    "ExperimentConfig",
    "run_experiment",
    "RunOutcome",
    "load_corpus",
    "read_documents",
    "Corpus",
    "Document",
    "Segment",
    "get_embedder",
    "Embedder",
    "reduce_embeddings",
    "fit_topics",
    "TopicResult",
    "evaluate_run",
    "write_report",
    "ToolkitError",
]

# Heavy libraries (torch, BERTopic) load only when the name that needs them is used.
_LAZY = {
    "TopicBridge": "toolkit.model",
    "load_config": "toolkit.config",
    "ExperimentConfig": "toolkit.config",
    "run_experiment": "toolkit.experiment",
    "RunOutcome": "toolkit.experiment",
    "load_corpus": "toolkit.corpus",
    "read_documents": "toolkit.corpus",
    "Corpus": "toolkit.corpus",
    "Document": "toolkit.corpus",
    "Segment": "toolkit.corpus",
    "get_embedder": "toolkit.embedding",
    "Embedder": "toolkit.embedding",
    "reduce_embeddings": "toolkit.topics",
    "fit_topics": "toolkit.topics",
    "TopicResult": "toolkit.topics",
    "evaluate_run": "toolkit.evaluate",
    "write_report": "toolkit.report",
    "ToolkitError": "toolkit.errors",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit' has no attribute {name!r}")
    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
