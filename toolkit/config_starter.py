"""Configs for a new user: a run from a corpus alone, and a commented starter file.

``topicbridge run --corpus FILE`` needs no YAML: :func:`corpus_config` builds the config from
the file (format from its name, the schema's defaults for everything else) and chooses the
unit from the text lengths (:func:`choose_unit`), saying why. ``topicbridge init [PATH]``
writes :func:`starter_config`: the keys a first experiment touches, each with its default and
its description read off the schema, so the file never disagrees with the code.
"""

from __future__ import annotations

import statistics
import textwrap
from pathlib import Path
from typing import Any

import yaml

from toolkit.config import ExperimentConfig, apply_overrides, config_from_dict

__all__ = ["choose_unit", "corpus_config", "starter_config", "STARTER_KEYS", "UNIT_SAMPLE"]

#: Documents read to choose the unit (the first ones; enough for a stable median).
UNIT_SAMPLE = 2000

#: Units a topic model needs at the least to find more than a couple of topics.
MIN_UNITS = 200

#: The keys in the starter config, in order.
STARTER_KEYS = (
    "name", "seed",
    "corpus.path", "corpus.format", "corpus.unit", "corpus.languages",
    "embedding.model",
    "umap.n_neighbors", "umap.n_components",
    "clustering.method", "clustering.n_clusters", "clustering.min_clusters", "clustering.max_clusters",
    "topics.top_n_words", "topics.max_word_spread", "topics.outliers",
    "report.label_language",
    "output.dir",
)


def choose_unit(path: str | Path, fmt: str = "auto") -> tuple[str, str]:
    """The unit for a corpus, from the lengths of its (first) documents, and the reason.

    Short documents (a median of at most 3 sentences: posts, titles, single sentences) are
    the units themselves. Longer ones are cut: into paragraphs when they have several and that
    gives at least :data:`MIN_UNITS` units, else into sentences.

    Returns
    -------
    (str, str)
        ``corpus.unit`` and one sentence saying why (for the command's output).
    """
    from toolkit.corpus import read_documents
    from toolkit.corpus.segment import split_paragraphs, split_sentences

    docs = read_documents(path, fmt, limit=UNIT_SAMPLE)  # an empty corpus is the reader's CorpusError
    sentences = statistics.median(len(split_sentences(d.text, d.lang)) or 1 for d in docs)
    paragraphs = statistics.median(len(split_paragraphs(d.text)) or 1 for d in docs)
    what = f"{len(docs)}{'+' if len(docs) == UNIT_SAMPLE else ''} documents, median {sentences:g} sentences"
    if sentences <= 3:
        return "document", f"{what}: each document is one unit"
    if paragraphs >= 2 and paragraphs * len(docs) >= MIN_UNITS:
        return "paragraph", f"{what} in {paragraphs:g} paragraphs: each paragraph is one unit"
    return "sentence", f"{what}: each sentence is one unit"


def corpus_config(path: str | Path, overrides: list[str] | tuple[str, ...] = (),
                  base: dict[str, Any] | None = None) -> tuple[ExperimentConfig, str | None]:
    """The config of a run named by its corpus: ``base`` (a config mapping, default empty) with
    ``corpus.path`` set, the unit chosen by :func:`choose_unit` unless ``base`` or
    ``overrides`` set it, then ``overrides`` (``key.path=value``) applied.

    Returns
    -------
    (ExperimentConfig, str or None)
        The config and the note on the chosen unit (``None`` when the unit was given).
    """
    data = dict(base or {})
    corpus = dict(data.get("corpus") or {})
    corpus["path"] = str(path)
    data["corpus"] = corpus
    merged = apply_overrides(data, list(overrides))
    note = None
    if "unit" not in (merged.get("corpus") or {}):
        fmt = str((merged.get("corpus") or {}).get("format", "auto"))
        unit, note = choose_unit(path, fmt)
        merged["corpus"]["unit"] = unit
    return config_from_dict(merged, str(path)), note


def _field(key: str) -> Any:
    section, _, name = key.rpartition(".")
    model: Any = ExperimentConfig
    if section:
        model = ExperimentConfig.model_fields[section].annotation
    return model.model_fields[name]


def starter_config(corpus_path: str | None = None, unit: str | None = None) -> str:
    """A commented starter config: every key of :data:`STARTER_KEYS` with its default (or
    ``corpus_path`` and ``unit``) and its description; every other key keeps its default
    (``topicbridge config keys`` lists them all)."""
    lines = [
        "# topicbridge experiment config. Only corpus.path is required: every value below is the",
        "# default (docs/defaults.md says why). Run it with",
        "#   topicbridge run THIS_FILE",
        "# `topicbridge config keys` lists every key; docs/configuration.md describes them.",
    ]
    section = None
    for key in STARTER_KEYS:
        head, _, name = key.rpartition(".")
        field = _field(key)
        value = field.default if field.default_factory is None else field.default_factory()
        if key == "corpus.path":
            value = corpus_path or "corpus.jsonl"
        if key == "corpus.unit" and unit:
            value = unit
        if head != section:
            if head:
                lines.append(f"{head}:")
            section = head
        indent = "  " if head else ""
        rendered = yaml.safe_dump({name: value}, allow_unicode=True, default_flow_style=True).strip()[1:-1]
        description = " ".join((field.description or "").split())
        lines.extend(textwrap.wrap(description, width=92, initial_indent=f"{indent}# ",
                                   subsequent_indent=f"{indent}# "))
        lines.append(f"{indent}{rendered}")
    text = "\n".join(lines) + "\n"
    config_from_dict(yaml.safe_load(text), "starter config")  # the file must load as it is written
    return text
