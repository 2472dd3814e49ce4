"""Documents from Python: a list of strings with optional columns, or a pandas DataFrame.

The same record rules as a JSONL corpus (:func:`toolkit.corpus.load.record_document`): ids
unique (default: the 1-based position), dates ISO, a given language wins over detection.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.config import ExperimentConfig
from toolkit.corpus import Corpus, Document
from toolkit.corpus.load import record_document
from toolkit.errors import ParameterError

__all__ = ["documents_from", "unit_embeddings", "per_document", "segments_with_texts", "COLUMNS"]

#: The optional per-document columns, as keyword arguments or DataFrame columns.
COLUMNS = ("lang", "id", "date", "label", "group")
_SOURCE = "(python)"


def _is_frame(docs: Any) -> bool:
    return type(docs).__name__ == "DataFrame" and hasattr(docs, "columns") and hasattr(docs, "to_dict")


def documents_from(docs: Any, *, what: str = "docs", **columns: Sequence[Any] | None) -> list[Document]:
    """Documents from ``docs`` and the optional columns ``lang``, ``id``, ``date``, ``label``, ``group``.

    Parameters
    ----------
    docs : list of str or pandas.DataFrame
        The texts, or a DataFrame with a ``text`` column and any of the optional columns.
    what : str
        How errors name the argument.
    **columns : sequence, optional
        One value per document (``None`` for unknown). For a DataFrame, the frame's columns
        are used and these must not be given too.

    Raises
    ------
    ParameterError
        ``docs`` is not a list of strings or a DataFrame with a ``text`` column, is empty, or a
        column's length differs from the number of documents.
    CorpusError
        A duplicate id or a date that is not ISO (naming the document as ``docs[i]``).
    """
    unknown = sorted(set(columns) - set(COLUMNS))
    if unknown:
        raise ParameterError(unknown[0], f"not a document column; the columns are {', '.join(COLUMNS)}")
    given = {k: v for k, v in columns.items() if v is not None}
    if _is_frame(docs):
        if given:
            raise ParameterError(sorted(given)[0], f"{what} is a DataFrame: put the column in the frame instead")
        if "text" not in docs.columns:
            raise ParameterError(what, f"the DataFrame has no 'text' column (columns: {', '.join(map(str, docs.columns))})")
        frame = docs
        texts = list(frame["text"])
        given = {k: list(frame[k]) for k in COLUMNS if k in frame.columns}
    elif isinstance(docs, str):
        raise ParameterError(what, "got one string; pass a list of texts, e.g. [text]")
    else:
        try:
            texts = list(docs)
        except TypeError:
            raise ParameterError(what, f"expected a list of strings or a pandas DataFrame, got "
                                       f"{type(docs).__name__}") from None
    if not texts:
        raise ParameterError(what, "is empty; pass at least one document")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ParameterError(what, f"item {i} is {type(text).__name__}, expected a string")
    for name, values in given.items():
        if isinstance(values, str) or not hasattr(values, "__len__"):
            raise ParameterError(name, f"expected one value per document (a list), got {type(values).__name__}")
        if len(values) != len(texts):
            raise ParameterError(name, f"got {len(values)} values for {len(texts)} documents")
    seen: set[str] = set()
    out = []
    for i, text in enumerate(texts):
        record: dict[str, Any] = {"text": text}
        for name, values in given.items():
            value = values[i]
            if value is not None and value == value:  # NaN (a DataFrame's missing value) is unknown
                record[name] = value
        out.append(record_document(record, f"{what}[{i}]", str(i + 1), seen, _SOURCE))
    return out


def unit_embeddings(embeddings: np.ndarray, documents: list, corpus: Corpus, config: ExperimentConfig) -> np.ndarray:
    """Per-unit rows of vectors given one per document (``corpus.unit: document`` only)."""
    matrix = np.asarray(embeddings, dtype=np.float32)
    if config.corpus.unit != "document":
        raise ParameterError("embeddings", f"one vector per document works only with corpus.unit: document "
                                           f"(here the units are {config.corpus.unit}s); leave embeddings out")
    if matrix.ndim != 2 or matrix.shape[0] != len(documents):
        raise ParameterError("embeddings", f"expected one row per document ({len(documents)}), got shape "
                                           f"{matrix.shape}")
    position = {d.id: i for i, d in enumerate(documents)}
    return matrix[[position[s.doc_id] for s in corpus.segments]]


def per_document(doc_ids: list[str], unit_docs: list[str], topics: np.ndarray, scores: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Majority topic (ties: higher total score, then lower id) and its mean score per document."""
    tally: dict[str, dict[int, list[float]]] = {}
    for doc, t, s in zip(unit_docs, topics.tolist(), scores.tolist()):
        tally.setdefault(doc, {}).setdefault(int(t), []).append(float(s))
    out_topics = np.full(len(doc_ids), -1, dtype=np.int64)
    out_scores = np.zeros(len(doc_ids), dtype=np.float32)
    for i, doc in enumerate(doc_ids):
        per = tally.get(doc)
        if not per:
            continue
        t = min(per, key=lambda k: (-len(per[k]), -sum(per[k]), k))
        out_topics[i] = t
        out_scores[i] = float(np.mean(per[t]))
    return out_topics, out_scores


def segments_with_texts(segments: list[Any], assignments_csv: Path) -> list[Any]:
    """``segments`` with their texts filled in from a run directory's assignments.csv, by unit id
    (a saved model of a large corpus keeps only its reference units' texts)."""
    import csv
    import dataclasses

    from toolkit.errors import TopicModelError

    path = assignments_csv
    csv.field_size_limit(1 << 30)
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            texts = {row["id"]: row["text"] for row in csv.DictReader(fh)}
    except (OSError, KeyError, csv.Error) as exc:
        raise TopicModelError(f"{path}: cannot read the unit texts ({exc}); the model describes curated "
                              f"topics from them") from None
    missing = [s.id for s in segments if s.id not in texts]
    if missing:
        raise TopicModelError(f"{path}: {len(missing)} units of the model are not in it (e.g. {missing[0]!r}); "
                              f"is this the run the model was saved in?")
    return [dataclasses.replace(s, text=texts[s.id]) for s in segments]
