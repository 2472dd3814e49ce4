"""Write a run's data files (the contract in docs/run-directory.md)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.config import ExperimentConfig, config_to_yaml
from toolkit.corpus.model import Corpus
from toolkit.topics.result import TopicResult

__all__ = ["write_run_files", "write_json", "topics_table"]


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(_jsonable(data), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def topics_table(corpus: Corpus, result: TopicResult) -> list[dict[str, Any]]:
    """One record per topic (outliers first when present), as written to topics.csv/json."""
    langs = corpus.languages
    seg_langs = np.asarray(corpus.langs)
    rows = []
    for t in result.topic_ids:
        mask = result.topics == t
        rows.append({
            "topic": t,
            "size": int(mask.sum()),
            "label": result.labels.get(t, str(t)),
            "theme": result.themes.get(t),
            "sizes": {lang: int(np.sum(mask & (seg_langs == lang))) for lang in langs},
            "keywords": result.keywords.get(t, []),
            "keywords_by_lang": {lang: result.keywords_by_lang.get(t, {}).get(lang, []) for lang in langs},
            "representatives": {
                lang: [corpus.segments[i].id for i in idx]
                for lang, idx in result.representatives.get(t, {}).items()
            },
        })
    return rows


def _words(pairs: list) -> str:
    return ", ".join(str(w) for w, _ in pairs)


def write_run_files(folder: Path, config: ExperimentConfig, corpus: Corpus, result: TopicResult,
                    metrics: dict[str, Any], manifest: dict[str, Any]) -> None:
    """Write config.yaml, assignments.csv, topics.csv, topics.json, metrics.json, manifest.json."""
    (folder / "config.yaml").write_text(config_to_yaml(config), encoding="utf-8")

    coords = result.coords
    with (folder / "assignments.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "doc_id", "lang", "topic", "date", "label", "group", "x", "y", "text"])
        for i, seg in enumerate(corpus.segments):
            x, y = ("", "") if coords is None or not np.isfinite(coords[i, 0]) else (
                f"{coords[i, 0]:.4f}", f"{coords[i, 1]:.4f}")
            writer.writerow([seg.id, seg.doc_id, seg.lang or "und", int(result.topics[i]), seg.date or "",
                             seg.label or "", seg.group or "", x, y, seg.text])

    table = topics_table(corpus, result)
    langs = corpus.languages
    with (folder / "topics.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["topic", "size", "label", "theme", "keywords",
                         *[f"size_{lang}" for lang in langs], *[f"keywords_{lang}" for lang in langs]])
        for row in table:
            writer.writerow([row["topic"], row["size"], row["label"], row["theme"] or "", _words(row["keywords"]),
                             *[row["sizes"][lang] for lang in langs],
                             *[_words(row["keywords_by_lang"][lang]) for lang in langs]])
    write_json(folder / "topics.json", {
        "languages": langs,
        "topics": table,
        "similarity": {"topics": result.similarity_topics, "matrix": np.round(result.similarity, 4)},
    })
    write_json(folder / "metrics.json", metrics)
    write_json(folder / "manifest.json", manifest)
