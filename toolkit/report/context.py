"""The view model both report templates render: plain dicts and lists of unescaped strings.

Escaping is left to the output format (jinja2 autoescape for HTML, :func:`md_cell` for
Markdown), so the values here are raw corpus text, already shortened where the report would
otherwise grow without bound.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from toolkit.report.themes import theme_section
from toolkit.report.data import ReportData, TopicInfo
from toolkit.report.text import truncate
from toolkit.report.labels import coherence_summary

__all__ = ["KEY_METRICS", "TOPIC_STAT_NAMES", "format_value", "language_mix", "run_name", "rebuild_command",
           "report_context"]

# A run being written lives in a hidden ".NAME.partial-XXXX" folder (toolkit.runs) until it
# is renamed into place; its report should already name the final folder.
_PARTIAL = re.compile(r"^\.(?P<name>.+)\.partial-[0-9A-Za-z]+$")

#: Headline metrics (shown when present in metrics.json) and what they mean.
KEY_METRICS: dict[str, tuple[str, str]] = {
    "n_topics": ("topics", "topics found (outliers excluded)"),
    "outlier_share": ("outlier share", "share of segments in no topic"),
    "nmi": ("NMI (labels)", "agreement of topics with gold labels (0–1)"),
    "ari": ("ARI (labels)", "agreement of topics with gold labels (adjusted Rand)"),
    "parallel_agreement": ("parallel agreement", "share of translations that land in the same topic"),
    "nmi_language": ("NMI (language)", "how much topics follow language (0 = language-neutral)"),
    "npmi": ("NPMI", "keyword coherence (−1 to 1)"),
    "topic_diversity": ("topic diversity", "share of distinct keywords over all topics"),
}


def format_value(value: Any) -> str:
    """A metric value for display: ``n/a`` for null, thousands separators, 3 decimals."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "n/a"
        if value.is_integer() and abs(value) >= 1000:
            return f"{int(value):,}"
        return f"{value:.3f}"
    return str(value)


def run_name(run_dir: Path) -> str:
    """The run folder's name, without the temporary ``.NAME.partial-XXXX`` wrapping."""
    match = _PARTIAL.match(run_dir.name)
    return match.group("name") if match else run_dir.name


def rebuild_command(run_dir: Path) -> str:
    """``topicbridge report <run folder>`` as it works from where the run was made: the folder
    as the run was given it (``runs/NAME`` for a relative ``output.dir``), shell-quoted."""
    import shlex

    folder = Path(run_dir).parent / run_name(Path(run_dir))
    return "topicbridge report " + shlex.quote(str(folder))


#: Plain names of the per-topic figures in metrics.json ``per_topic`` (others: the key in words).
TOPIC_STAT_NAMES: dict[str, str] = {
    "share": "share of all units", "dominant_lang": "main language", "size": "units",
    "dominant_lang_share": "share of the main language", "single_language": "one language only",
    "language_entropy": "language mix (entropy: 0 one language, 1 even)",
    "npmi": "keyword coherence (NPMI, −1 to 1)", "npmi_pairs": "keyword pairs scored for coherence",
    "purity": "gold-label purity", "theme_similarity": "similarity to the theme name",
}


def language_mix(shares: list[tuple[str, float]]) -> str:
    """The language mix of a topic in words: ``"one language: zh"``, ``"mostly ru (72%), de 28%"``
    or ``"mixed: zh 45%, de 27%, ru 27%"``."""
    present = sorted(((lang, share) for lang, share in shares if share > 0), key=lambda p: (-p[1], p[0]))
    if not present:
        return "no units"
    top, share = present[0]
    if share >= 0.9:
        rest = f" ({share:.0%})" if share < 1 else ""
        return f"one language: {top}{rest}"
    parts = ", ".join(f"{lang} {s:.0%}" for lang, s in present[1:4]) + (", …" if len(present) > 4 else "")
    if share >= 0.6:
        return f"mostly {top} ({share:.0%}), {parts}"
    return f"mixed: {top} {share:.0%}, {parts}"


def _topic_stats(metrics: dict[str, Any]) -> list[tuple[str, str]]:
    return [(TOPIC_STAT_NAMES.get(k, k.replace("_", " ")), format_value(v)) for k, v in metrics.items()
            if not isinstance(v, (dict, list)) and k != "size"]


def _label_table(data: ReportData, max_labels: int = 20) -> dict[str, Any] | None:
    """Topics x gold labels (the most frequent ``max_labels``) as counts, for the Markdown report
    (the HTML report draws the same counts as a heatmap)."""
    from toolkit.report.overview_figures import label_counts

    counted = label_counts(data)
    if counted is None:
        return None
    rows, cols, counts = counted
    keep = list(range(min(max_labels, len(cols))))
    return {"labels": [cols[j] for j in keep], "more": len(cols) - len(keep),
            "rows": [{"topic": t, "name": data.topic(t).name if data.topic(t) else str(t),
                      "counts": [int(counts[i, j]) for j in keep], "total": int(counts[i].sum())}
                     for i, t in enumerate(rows)]}


def _topic_row(topic: TopicInfo, languages: list[str], texts: dict[str, str],
               max_representatives: int, text_limit: int) -> dict[str, Any]:
    reps: dict[str, list[dict[str, str]]] = {}
    for lang in languages:
        items = []
        for sid in topic.representatives.get(lang, [])[:max_representatives]:
            if sid in texts:
                items.append({"id": sid, "text": truncate(texts[sid], text_limit)})
        if items:
            reps[lang] = items
    return {
        "topic": topic.topic, "outlier": topic.is_outlier, "name": topic.name, "named": topic.named,
        "headline": (", ".join(topic.keywords[:3]) if topic.theme and not topic.is_outlier and not topic.named
                     else topic.name),
        "label": topic.label, "theme": topic.theme, "size": topic.size,
        "sizes": [(lang, topic.sizes.get(lang, 0)) for lang in languages],
        "shares": [(lang, topic.sizes.get(lang, 0) / topic.size if topic.size else 0.0)
                   for lang in languages],
        "mix": language_mix([(lang, topic.sizes.get(lang, 0) / topic.size if topic.size else 0.0)
                             for lang in languages]),
        "stats": _topic_stats(topic.metrics),
        "keywords": topic.keywords,
        "keywords_by_lang": [(lang, topic.keywords_by_lang.get(lang, [])) for lang in languages],
        "representatives": reps,
        "n_representatives": sum(len(v) for v in reps.values()),
        "metrics": [(k, format_value(v)) for k, v in topic.metrics.items()
                    if not isinstance(v, (dict, list))],
    }


def _themes(data: ReportData, limit: int, text_limit: int) -> list[dict[str, Any]]:
    a = data.assignments
    groups = []
    for theme in data.themes:
        ids = [t.topic for t in data.topics if t.theme == theme]
        members = a[a["topic"].isin(ids)]
        by_lang = []
        for lang in data.languages:
            part = members[members["lang"] == lang]
            by_lang.append({
                "lang": lang, "count": len(part),
                "segments": [{"id": sid, "text": truncate(text, text_limit)}
                             for sid, text in zip(part["id"].iloc[:limit], part["text"].iloc[:limit])],
                "more": max(len(part) - limit, 0),
            })
        groups.append({"theme": theme, "topics": ids, "size": len(members), "languages": by_lang})
    return groups


def _percent(value: Any) -> str:
    return f"{value:.1%}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "n/a"


def _drift(data: ReportData, text_limit: int) -> dict[str, Any] | None:
    """The drift section of a run written by ``topicbridge apply`` (``metrics.json``'s ``drift``)."""
    drift = data.metrics.get("drift")
    if not isinstance(drift, dict):
        return None
    rows = []
    for row in drift.get("topics") or []:
        if not isinstance(row, dict):
            continue
        here, train = row.get("share"), row.get("training_share")
        change = None if not isinstance(here, (int, float)) or not isinstance(train, (int, float)) else here - train
        rows.append({"topic": row.get("topic"), "label": str(row.get("label") or ""),
                     "training": _percent(train), "here": _percent(here),
                     "change": "n/a" if change is None else f"{change:+.1%}"})
    far = [{"id": str(u.get("id", "")), "lang": str(u.get("lang", "")), "text": str(u.get("text", ""))[:text_limit],
            "similarity": format_value(u.get("similarity"))}
           for u in drift.get("far_examples") or [] if isinstance(u, dict)]
    return {"source": str(drift.get("source_run") or ""), "threshold": format_value(drift.get("far_threshold")),
            "far_units": format_value(drift.get("far_units")), "far_share": _percent(drift.get("far_share")),
            "rows": rows, "far_examples": far}


def _provenance(data: ReportData) -> list[str]:
    """Where this run's topics came from when they were not fitted here (applied or curated)."""
    lines = []
    source = data.manifest.get("source_model")
    if isinstance(source, dict) and source.get("run"):
        lines.append(f"Topics of the model saved in {source['run']}, assigned to this corpus (topicbridge apply).")
    curated = data.manifest.get("curated_from")
    if curated:
        lines.append(f"Topics curated from {curated} (topicbridge curate).")
    for step in data.manifest.get("curation") or []:
        if not isinstance(step, dict):
            continue
        if step.get("merge"):
            lines.append("Merged topics " + "; ".join(", ".join(map(str, g)) for g in step["merge"])
                         + " (ids of the run before; topics were renumbered by size).")
        if step.get("reduce"):
            lines.append(f"Reduced to {step['reduce']} topics by joining the most similar ones.")
        if step.get("labels"):
            lines.append("Named " + "; ".join(f"topic {k}: {v}" for k, v in step["labels"].items()) + ".")
    return lines


def report_context(data: ReportData, *, max_representatives: int = 3,
                   max_theme_segments: int = 200, text_limit: int = 600,
                   max_table_topics: int = 200) -> dict[str, Any]:
    """Everything the report templates show, as plain values.

    Parameters
    ----------
    data : ReportData
    max_representatives : int
        Representative texts per topic and language.
    max_theme_segments : int
        Segments listed per theme and language (the rest are counted).
    text_limit : int
        Characters kept of each listed text.
    max_table_topics : int
        Topics listed in the topic table (the largest; ``topics_hidden`` counts the rest).

    Returns
    -------
    dict
    """
    metrics = data.metrics
    # Null means "does not apply" (e.g. label metrics without gold labels): no headline card.
    key_metrics = [{"key": k, "title": title, "value": format_value(metrics[k]), "help": help_}
                   for k, (title, help_) in KEY_METRICS.items() if metrics.get(k) is not None]
    all_metrics = [(k, format_value(v)) for k, v in metrics.items()
                   if k not in ("warnings", "per_topic") and not isinstance(v, (dict, list))]
    warnings = metrics.get("warnings") or []
    if not isinstance(warnings, list):
        warnings = [warnings]
    config = data.config
    texts = data.texts_by_id()
    corpus = data.corpus
    if corpus.date_min and corpus.date_max:
        dates = corpus.date_min if corpus.date_min == corpus.date_max else f"{corpus.date_min} – {corpus.date_max}"
    else:
        dates = "no dates"
    # The page lists the largest topics only when there are very many; topics.csv has them all.
    by_size = sorted(data.topics, key=lambda t: (t.is_outlier, -t.size, t.topic))[:max_table_topics]
    shown_topics = [t for t in data.topics if t in by_size]
    embedding = config.get("embedding") if isinstance(config.get("embedding"), dict) else {}
    corpus_cfg = config.get("corpus") if isinstance(config.get("corpus"), dict) else {}
    return {
        "name": str(config.get("name") or data.run_dir.name),
        "run_dir": run_name(data.run_dir),
        "rebuild_command": rebuild_command(data.run_dir),
        "created": str(data.manifest.get("created") or ""),
        "toolkit_version": str(data.manifest.get("toolkit_version") or ""),
        "model": str(embedding.get("model") or ""),
        "unit": str(corpus_cfg.get("unit") or ""),
        "corpus": {"documents": f"{corpus.documents:,}", "segments": f"{corpus.segments:,}",
                   "languages": [(lang, f"{n:,}") for lang, n in corpus.languages.items()],
                   "dates": dates},
        "key_metrics": key_metrics,
        "all_metrics": all_metrics,
        "warnings": [str(w) for w in warnings],
        "languages": data.languages,
        "topics": [_topic_row(t, data.languages, texts, max_representatives, text_limit)
                   for t in shown_topics],
        "topics_total": len(data.topics),
        "topics_hidden": len(data.topics) - len(shown_topics),
        "label_table": _label_table(data),
        "themes": _themes(data, max_theme_segments, text_limit),
        "theme_units": theme_section(data, text_limit),
        "coherence": coherence_summary(data),
        "drift": _drift(data, text_limit),
        "provenance": _provenance(data),
        "config_text": data.config_text,
        "manifest_text": data.manifest_text,
    }
