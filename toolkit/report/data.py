"""Read a finished run directory into one :class:`ReportData` bundle.

The report is built only from the files of a run directory (see ``docs/run-directory.md``),
never by recomputing topics or reading a cache, so ``topicbridge report RUN_DIR`` can rebuild
it at any time. Every reader below names the file (and column or key) it could not use.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from toolkit.errors import RunError
from toolkit.files import as_path
from toolkit.runs import DATA_FILES, read_json

__all__ = ["REQUIRED_FILES", "CorpusSummary", "TopicInfo", "ReportData", "load_run"]

log = logging.getLogger(__name__)

#: Files a run directory must hold for a report to be built from it (the run's data files).
REQUIRED_FILES = DATA_FILES

_ASSIGNMENT_COLUMNS = ("id", "doc_id", "lang", "topic", "text")
_OPTIONAL_ASSIGNMENT_COLUMNS = ("date", "label", "group", "x", "y")
_TOPIC_COLUMNS = ("topic", "size")


@dataclass(frozen=True)
class CorpusSummary:
    """What the header says about the corpus."""

    documents: int
    segments: int
    languages: dict[str, int]
    date_min: str | None
    date_max: str | None


@dataclass(frozen=True)
class TopicInfo:
    """One topic, merged from ``topics.csv``, ``topics.json`` and ``metrics.json`` per_topic.

    Attributes
    ----------
    topic : int
        Topic id, ``-1`` for outliers.
    label : str
        The model's label (e.g. ``0_туризм_medizin_医疗``), may be empty.
    theme : str or None
        The matched named theme, ``None`` when there is none.
    size : int
        Number of segments in the topic.
    sizes : dict
        Language code -> number of segments.
    keywords : list of str
        Keywords over all languages, best first.
    keywords_by_lang : dict
        Language code -> keywords, best first.
    representatives : dict
        Language code -> segment ids closest to the topic centre, best first.
    metrics : dict
        Per-topic figures from ``metrics.json`` ``per_topic``.
    named : bool
        ``label`` was given by a person (``topicbridge curate --label``, ``set_topic_labels``).
    """

    topic: int
    label: str
    theme: str | None
    size: int
    sizes: dict[str, int]
    keywords: list[str]
    keywords_by_lang: dict[str, list[str]]
    representatives: dict[str, list[str]]
    metrics: dict[str, Any] = field(default_factory=dict)
    named: bool = False

    @property
    def is_outlier(self) -> bool:
        """True for the outlier pseudo-topic ``-1``."""
        return self.topic == -1

    @property
    def name(self) -> str:
        """Short human name: a label a person gave, else the theme, else the first keywords,
        else the label."""
        if self.named and self.label:
            return self.label
        if self.is_outlier:
            return "outliers"
        if self.theme:
            return self.theme
        if self.keywords:
            return ", ".join(self.keywords[:3])
        return self.label or f"topic {self.topic}"


@dataclass(frozen=True)
class ReportData:
    """Everything a report shows, read from one run directory.

    Attributes
    ----------
    run_dir : Path
        The directory read.
    config_text, manifest_text : str
        ``config.yaml`` verbatim and ``manifest.json`` pretty-printed.
    config, manifest, metrics : dict
        The parsed files.
    assignments : pandas.DataFrame
        ``assignments.csv``; ``topic`` as int, ``x``/``y`` as float when present, every other
        column as str (missing optional columns are added empty).
    topics : list of TopicInfo
        Real topics by id, then outliers (``-1``) last when present.
    languages : list of str
        Language codes, sorted.
    similarity_topics : list of int
        Topic ids of the rows/columns of ``similarity``.
    similarity : numpy.ndarray or None
        Topic centroid cosine similarity from ``topics.json``, ``None`` when absent.
    corpus : CorpusSummary
    """

    run_dir: Path
    config_text: str
    config: dict[str, Any]
    manifest_text: str
    manifest: dict[str, Any]
    metrics: dict[str, Any]
    assignments: pd.DataFrame
    topics: list[TopicInfo]
    languages: list[str]
    similarity_topics: list[int]
    similarity: np.ndarray | None
    corpus: CorpusSummary

    @property
    def real_topics(self) -> list[TopicInfo]:
        """Topics without the outlier pseudo-topic."""
        return [t for t in self.topics if not t.is_outlier]

    @property
    def has_dates(self) -> bool:
        """True when at least one segment has a date."""
        return bool((self.assignments["date"] != "").any())

    @property
    def has_map(self) -> bool:
        """True when assignments.csv has finite x/y coordinates."""
        a = self.assignments
        return "x" in a and "y" in a and bool(np.isfinite(a["x"]).any() and np.isfinite(a["y"]).any())

    @property
    def themes(self) -> list[str]:
        """Distinct non-empty themes in topic order."""
        seen: list[str] = []
        for t in self.topics:
            if t.theme and t.theme not in seen:
                seen.append(t.theme)
        return seen

    def topic(self, topic_id: int) -> TopicInfo | None:
        """The topic with id ``topic_id``, or ``None``."""
        for t in self.topics:
            if t.topic == topic_id:
                return t
        return None

    def texts_by_id(self) -> dict[str, str]:
        """Segment id -> text."""
        return dict(zip(self.assignments["id"], self.assignments["text"]))


# --------------------------------------------------------------------------------------- readers


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RunError(f"{path}: not valid UTF-8 ({exc}); run directories are written as UTF-8, "
                       f"rerun the experiment or fix the file") from exc


def _read_csv(path: Path, required: tuple[str, ...]) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")
    except pd.errors.EmptyDataError as exc:
        raise RunError(f"{path}: empty file, expected a header row with {', '.join(required)}") from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise RunError(f"{path}: cannot parse as UTF-8 CSV ({exc}); rerun the experiment") from exc
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise RunError(f"{path}: missing column(s) {', '.join(missing)}; found "
                       f"{', '.join(map(str, frame.columns)) or 'none'}")
    return frame


def _int_column(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    values = pd.to_numeric(frame[column].str.strip(), errors="coerce")
    bad = values.isna() | (values != values.round())
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise RunError(f"{path}: column {column!r} must hold integers; row {row + 2} has "
                       f"{frame[column].iloc[row]!r}")
    return values.astype(int)


def _float_column(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(frame[column].str.strip(), errors="coerce").astype(float)


def _split_keywords(value: str) -> list[str]:
    return [k.strip() for k in str(value).split(",") if k.strip()]


def _keyword_list(value: Any, path: Path, where: str) -> list[str]:
    """Keywords from topics.json: ``[[word, weight], ...]`` or ``[word, ...]``."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise RunError(f"{path}: {where} must be a list of [keyword, weight] pairs, "
                       f"found {type(value).__name__}")
    words = []
    for item in value:
        if isinstance(item, (list, tuple)) and item:
            words.append(str(item[0]))
        elif isinstance(item, str):
            words.append(item)
        else:
            raise RunError(f"{path}: {where} holds {item!r}; expected [keyword, weight]")
    return words


def _load_assignments(path: Path) -> pd.DataFrame:
    frame = _read_csv(path, _ASSIGNMENT_COLUMNS)
    for column in _OPTIONAL_ASSIGNMENT_COLUMNS:
        if column not in frame:
            frame[column] = ""
    frame["topic"] = _int_column(frame, "topic", path)
    for column in ("x", "y"):
        frame[column] = _float_column(frame, column)
    frame["lang"] = frame["lang"].where(frame["lang"].str.strip() != "", "und")
    frame["date"] = frame["date"].str.strip().str.slice(0, 10)
    return frame


def _corpus_summary(manifest: dict[str, Any], assignments: pd.DataFrame) -> CorpusSummary:
    """The manifest's corpus summary, completed from assignments where it is missing."""
    info = manifest.get("corpus") if isinstance(manifest.get("corpus"), dict) else {}
    langs = assignments["lang"].value_counts()
    computed_langs = {str(k): int(v) for k, v in sorted(langs.items())}
    dates = assignments.loc[assignments["date"] != "", "date"]
    languages = info.get("languages")
    if not isinstance(languages, dict) or not languages:
        languages = computed_langs

    def _count(key: str, fallback: int) -> int:
        value = info.get(key)
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else fallback

    return CorpusSummary(
        documents=_count("documents", int(assignments["doc_id"].nunique())),
        segments=_count("segments", len(assignments)),
        languages={str(k): int(v) for k, v in sorted(languages.items())},
        date_min=info.get("date_min") or (str(dates.min()) if len(dates) else None),
        date_max=info.get("date_max") or (str(dates.max()) if len(dates) else None),
    )


def _load_topics(csv_path: Path, json_path: Path, topics_json: dict[str, Any],
                 assignments: pd.DataFrame, per_topic: dict[str, Any],
                 languages: list[str]) -> list[TopicInfo]:
    frame = _read_csv(csv_path, _TOPIC_COLUMNS)
    frame["topic"] = _int_column(frame, "topic", csv_path)
    frame["size"] = _int_column(frame, "size", csv_path)
    entries = topics_json.get("topics", [])
    if not isinstance(entries, list):
        raise RunError(f"{json_path}: 'topics' must be a list of topic objects")
    by_id: dict[int, dict[str, Any]] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or "topic" not in entry:
            raise RunError(f"{json_path}: topics[{i}] must be an object with a 'topic' key")
        try:
            by_id[int(entry["topic"])] = entry
        except (TypeError, ValueError) as exc:
            raise RunError(f"{json_path}: topics[{i}].topic must be an integer, "
                           f"found {entry['topic']!r}") from exc
    counts = assignments.groupby(["topic", "lang"]).size()

    topics: list[TopicInfo] = []
    for row in frame.to_dict("records"):
        tid = int(row["topic"])
        entry = by_id.get(tid, {})
        sizes: dict[str, int] = {}
        json_sizes = entry.get("sizes") if isinstance(entry.get("sizes"), dict) else {}
        for lang in languages:
            raw = row.get(f"size_{lang}", "")
            if str(raw).strip().lstrip("-").isdigit():
                sizes[lang] = int(raw)
            elif lang in json_sizes:
                sizes[lang] = int(json_sizes[lang])
            else:
                sizes[lang] = int(counts.get((tid, lang), 0))
        kw_json = entry.get("keywords_by_lang") if isinstance(entry.get("keywords_by_lang"), dict) else {}
        keywords_by_lang = {}
        for lang in languages:
            if lang in kw_json:
                keywords_by_lang[lang] = _keyword_list(kw_json[lang], json_path,
                                                       f"topics[{tid}].keywords_by_lang.{lang}")
            else:
                keywords_by_lang[lang] = _split_keywords(row.get(f"keywords_{lang}", ""))
        if "keywords" in entry:
            keywords = _keyword_list(entry["keywords"], json_path, f"topics[{tid}].keywords")
        else:
            keywords = _split_keywords(row.get("keywords", ""))
        reps_raw = entry.get("representatives") if isinstance(entry.get("representatives"), dict) else {}
        representatives = {str(k): [str(i) for i in v] for k, v in reps_raw.items()
                           if isinstance(v, list)}
        theme = str(row.get("theme", "") or "").strip() or (entry.get("theme") or None)
        metrics = per_topic.get(str(tid)) if isinstance(per_topic.get(str(tid)), dict) else {}
        topics.append(TopicInfo(
            topic=tid, label=str(row.get("label", "") or entry.get("label") or ""),
            theme=str(theme) if theme else None, size=int(row["size"]), sizes=sizes,
            keywords=keywords, keywords_by_lang=keywords_by_lang,
            representatives=representatives, metrics=dict(metrics or {}), named=entry.get("named") is True,
        ))
    topics.sort(key=lambda t: (t.is_outlier, t.topic))
    return topics


def _load_similarity(topics_json: dict[str, Any], path: Path) -> tuple[list[int], np.ndarray | None]:
    sim = topics_json.get("similarity")
    if not sim:
        return [], None
    try:
        ids = [int(t) for t in sim["topics"]]
        matrix = np.asarray(sim["matrix"], dtype=float)
    except (KeyError, TypeError, ValueError) as exc:
        raise RunError(f"{path}: 'similarity' must be {{'topics': [ids], 'matrix': [[...]]}} "
                       f"({exc})") from exc
    if not ids and matrix.size == 0:  # a run without topics: JSON keeps no shape for [] x []
        return [], None
    if matrix.shape != (len(ids), len(ids)):
        raise RunError(f"{path}: similarity matrix has shape {matrix.shape} but lists "
                       f"{len(ids)} topics; it must be square with one row per topic")
    return ids, matrix


def load_run(run_dir: str | Path) -> ReportData:
    """Read a finished run directory.

    Parameters
    ----------
    run_dir : str or Path
        A run directory written by ``topicbridge run``.

    Returns
    -------
    ReportData

    Raises
    ------
    RunError
        The folder does not exist, a required file is missing (the message names it), or a
        file cannot be parsed (the message names the file and the column or key).
    """
    root = as_path(run_dir, "run_dir", "a run directory")
    if not root.is_dir():
        raise RunError(f"{root}: not a run directory (no such folder); pass the folder that "
                       f"`topicbridge run` wrote")
    missing = [name for name in REQUIRED_FILES if not (root / name).is_file()]
    if missing:
        raise RunError(f"{root}: incomplete run directory, missing {', '.join(missing)}; "
                       f"rerun the experiment to write a complete run")
    config_text = _read_text(root / "config.yaml")
    try:
        config = yaml.safe_load(config_text) or {}
    except yaml.YAMLError as exc:
        raise RunError(f"{root / 'config.yaml'}: invalid YAML ({exc})") from exc
    if not isinstance(config, dict):
        raise RunError(f"{root / 'config.yaml'}: expected a mapping at the top level")
    manifest = read_json(root / "manifest.json", dict)
    metrics = read_json(root / "metrics.json", dict)
    topics_json = read_json(root / "topics.json", dict)
    assignments = _load_assignments(root / "assignments.csv")

    languages = topics_json.get("languages")
    if not isinstance(languages, list) or not languages:
        languages = sorted(set(assignments["lang"]))
    languages = sorted(str(lang) for lang in languages)
    per_topic = metrics.get("per_topic") if isinstance(metrics.get("per_topic"), dict) else {}
    topics = _load_topics(root / "topics.csv", root / "topics.json", topics_json, assignments,
                          per_topic, languages)
    sim_ids, sim = _load_similarity(topics_json, root / "topics.json")
    data = ReportData(
        run_dir=root, config_text=config_text, config=config,
        manifest_text=json.dumps(manifest, indent=2, ensure_ascii=False), manifest=manifest,
        metrics=metrics, assignments=assignments, topics=topics, languages=languages,
        similarity_topics=sim_ids, similarity=sim, corpus=_corpus_summary(manifest, assignments),
    )
    log.debug("loaded run %s: %d segments, %d topics", root, len(assignments), len(topics))
    return data
