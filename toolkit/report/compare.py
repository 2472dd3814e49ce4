"""Compare two finished runs: metric differences, topic mapping and agreement (ARI).

Topics are matched by their members: over the segment ids both runs share, the Jaccard
overlap of every topic pair is computed and a one-to-one mapping that maximises the total
overlap is found (:func:`toolkit.evaluate.stability.match_topics`, Hungarian algorithm). Outliers (``-1``) are never
matched but count as one more cluster in the adjusted Rand index. The comparison renders as
HTML/Markdown (``topicbridge report --compare``, :func:`write_comparison`) and as text for
the terminal (``topicbridge compare``, :func:`compare_text`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from toolkit.errors import RunError
from toolkit.report.build import write_report_file
from toolkit.report.context import format_value, run_name
from toolkit.report.data import ReportData, load_run
from toolkit.report.html import html_environment
from toolkit.report.markdown import markdown_environment

__all__ = ["TopicMatch", "MetricDiff", "Comparison", "compare_runs", "write_comparison", "format_comparison",
           "compare_text"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TopicMatch:
    """One row of the topic mapping; one side is ``None`` for an unmatched topic.

    ``size_a``/``size_b`` count members among the shared segment ids only.
    """

    topic_a: int | None
    topic_b: int | None
    name_a: str
    name_b: str
    size_a: int
    size_b: int
    overlap: int
    jaccard: float


@dataclass(frozen=True)
class MetricDiff:
    """A metric of both runs; ``diff`` is ``b - a`` when both are numbers."""

    name: str
    a: Any
    b: Any
    diff: float | None


@dataclass(frozen=True)
class Comparison:
    """Everything :func:`write_comparison` shows.

    Attributes
    ----------
    name_a, name_b : str
        Run directory names.
    metrics : list of MetricDiff
    shared, only_a, only_b : int
        Segment ids in both runs, only in A, only in B.
    ari : float or None
        Adjusted Rand index of the two assignments over shared ids (``None`` below 2 ids).
    matches : list of TopicMatch
        Matched pairs by decreasing Jaccard, then unmatched topics of A, then of B.
    topics_a, topics_b : list of int
        Non-outlier topics with members among the shared ids (rows/columns of ``jaccard``).
    jaccard : numpy.ndarray
        Jaccard overlap of every topic pair, shape ``(len(topics_a), len(topics_b))``.
    """

    name_a: str
    name_b: str
    metrics: list[MetricDiff]
    shared: int
    only_a: int
    only_b: int
    ari: float | None
    matches: list[TopicMatch]
    topics_a: list[int]
    topics_b: list[int]
    jaccard: np.ndarray


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _metric_diffs(a: dict[str, Any], b: dict[str, Any]) -> list[MetricDiff]:
    keys = [k for k in a if k not in b] + [k for k in b]
    keys = sorted(dict.fromkeys(keys), key=lambda k: (k not in a or k not in b, k))
    rows = []
    for key in keys:
        va, vb = a.get(key), b.get(key)
        if isinstance(va, (dict, list)) or isinstance(vb, (dict, list)):
            continue
        diff = float(vb) - float(va) if _is_number(va) and _is_number(vb) else None
        rows.append(MetricDiff(key, va, vb, diff))
    return rows


def _name(data: ReportData, topic: int) -> str:
    info = data.topic(topic)
    return info.name if info is not None else ""


def compare_runs(run_a: str | Path | ReportData, run_b: str | Path | ReportData) -> Comparison:
    """Compare two runs.

    Parameters
    ----------
    run_a, run_b : str, Path or ReportData
        Run directories (or already loaded runs).

    Returns
    -------
    Comparison

    Raises
    ------
    RunError
        Either run directory is incomplete or unreadable, or one lists a segment id twice.
    """
    da = run_a if isinstance(run_a, ReportData) else load_run(run_a)
    db = run_b if isinstance(run_b, ReportData) else load_run(run_b)
    series = []
    for data in (da, db):
        ids = data.assignments["id"]
        if ids.duplicated().any():
            dup = ids[ids.duplicated()].iloc[0]
            raise RunError(f"{data.run_dir / 'assignments.csv'}: segment id {dup!r} appears more "
                           f"than once; ids must be unique to compare runs")
        series.append(pd.Series(data.assignments["topic"].to_numpy(), index=ids.to_numpy()))
    sa, sb = series
    shared_ids = sa.index.intersection(sb.index, sort=False)
    ta, tb = sa.loc[shared_ids], sb.loc[shared_ids]
    ari = None
    if len(shared_ids) >= 2:
        from sklearn.metrics import adjusted_rand_score  # slow import, only needed here

        ari = float(adjusted_rand_score(ta.to_numpy(), tb.to_numpy()))

    from toolkit.evaluate.stability import jaccard_matrix, match_topics

    va, vb = ta.to_numpy(), tb.to_numpy()
    if len(va):
        ids_a, ids_b, jaccard = jaccard_matrix(va, vb)
    else:  # no shared segment: nothing to match
        ids_a, ids_b, jaccard = [], [], np.zeros((0, 0))
    topics_a, topics_b = [int(t) for t in ids_a], [int(t) for t in ids_b]
    size_a = {int(k): int(v) for k, v in ta.value_counts().items()}
    size_b = {int(k): int(v) for k, v in tb.value_counts().items()}
    matches: list[TopicMatch] = []
    used_a, used_b = set(), set()
    for a, b, jac in (match_topics(va, vb) if len(va) else []):
        used_a.add(a)
        used_b.add(b)
        matches.append(TopicMatch(a, b, _name(da, a), _name(db, b), size_a[a], size_b[b],
                                  int(np.sum((va == a) & (vb == b))), jac))
    matches.sort(key=lambda m: (-m.jaccard, m.topic_a))
    matches += [TopicMatch(a, None, _name(da, a), "", size_a[a], 0, 0, 0.0)
                for a in topics_a if a not in used_a]
    matches += [TopicMatch(None, b, "", _name(db, b), 0, size_b[b], 0, 0.0)
                for b in topics_b if b not in used_b]
    return Comparison(
        name_a=run_name(da.run_dir), name_b=run_name(db.run_dir),
        metrics=_metric_diffs(da.metrics, db.metrics), shared=len(shared_ids),
        only_a=len(sa) - len(shared_ids), only_b=len(sb) - len(shared_ids), ari=ari,
        matches=matches, topics_a=topics_a, topics_b=topics_b, jaccard=jaccard,
    )


def _context(cmp: Comparison, da_warnings: list[str], db_warnings: list[str]) -> dict[str, Any]:
    def signed(m: MetricDiff) -> str:
        if m.diff is None:
            return ""
        if isinstance(m.a, int) and isinstance(m.b, int):
            return f"{int(m.diff):+,d}"
        return f"{m.diff:+.3f}"

    matched = [m for m in cmp.matches if m.topic_a is not None and m.topic_b is not None]
    mean_j = float(np.mean([m.jaccard for m in matched])) if matched else None
    heat = None
    if cmp.jaccard.size and max(cmp.jaccard.shape) <= 60:
        heat = {"a": cmp.topics_a, "b": cmp.topics_b,
                "rows": [[(f"{v:.2f}" if v > 0 else "", v) for v in row] for row in cmp.jaccard]}
    return {
        "name_a": cmp.name_a, "name_b": cmp.name_b,
        "shared": f"{cmp.shared:,}", "only_a": f"{cmp.only_a:,}", "only_b": f"{cmp.only_b:,}",
        "ari": format_value(cmp.ari), "n_matched": len(matched),
        "mean_jaccard": format_value(mean_j),
        "metrics": [{"name": m.name, "a": format_value(m.a), "b": format_value(m.b),
                     "diff": signed(m)} for m in cmp.metrics],
        "matches": [{"a": "" if m.topic_a is None else m.topic_a,
                     "b": "" if m.topic_b is None else m.topic_b,
                     "name_a": m.name_a, "name_b": m.name_b, "size_a": m.size_a,
                     "size_b": m.size_b, "overlap": m.overlap,
                     "jaccard": f"{m.jaccard:.3f}" if m.topic_a is not None and m.topic_b is not None else "",
                     "matched": m.topic_a is not None and m.topic_b is not None}
                    for m in cmp.matches],
        "heat": heat, "warnings_a": da_warnings, "warnings_b": db_warnings,
    }


def _warnings(data: ReportData) -> list[str]:
    value = data.metrics.get("warnings") or []
    return [str(w) for w in (value if isinstance(value, list) else [value])]


def write_comparison(run_a: str | Path, run_b: str | Path, out_dir: str | Path) -> list[Path]:
    """Write ``comparison.md`` and ``comparison.html`` comparing two runs.

    Parameters
    ----------
    run_a, run_b : str or Path
        Run directories; differences are ``b - a``.
    out_dir : str or Path
        Folder to write into (created when missing).

    Returns
    -------
    list of Path
        ``comparison.md`` and ``comparison.html``.

    Raises
    ------
    RunError
        Either run directory is incomplete or unreadable, or the output cannot be written.
    """
    da, db = load_run(run_a), load_run(run_b)
    cmp = compare_runs(da, db)
    ctx = _context(cmp, _warnings(da), _warnings(db))
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(f"{out}: cannot create the comparison folder ({exc.strerror or exc})") from exc
    md = markdown_environment().get_template("comparison.md.j2").render(**ctx)
    html = html_environment().get_template("comparison.html.j2").render(**ctx)
    paths = [write_report_file(out / "comparison.md", md),
             write_report_file(out / "comparison.html", html)]
    log.info("comparison of %s and %s written to %s (ARI %s)", run_a, run_b, out, ctx["ari"])
    return paths


def format_comparison(cmp: Comparison) -> str:
    """Render a :class:`Comparison` as aligned text for the terminal (``topicbridge compare``)."""
    lines = [f"A: {cmp.name_a}", f"B: {cmp.name_b}",
             f"shared segments: {cmp.shared} (only in A: {cmp.only_a}, only in B: {cmp.only_b})",
             f"ARI between assignments: {cmp.ari:.4f}" if cmp.ari is not None else "ARI between assignments: n/a",
             "", f"{'metric':<32}{'A':>12}{'B':>12}{'B-A':>12}"]
    for m in cmp.metrics:
        if m.diff is None:
            continue
        lines.append(f"{m.name:<32}{m.a:>12.4g}{m.b:>12.4g}{m.diff:>+12.4g}")
    lines += ["", "matched topics (A -> B, Jaccard of members over shared segments):"]
    matched = [m for m in cmp.matches if m.topic_a is not None and m.topic_b is not None]
    lines += [f"  {m.topic_a:>4} -> {m.topic_b:<4} {m.jaccard:.3f}  {m.name_a}  |  {m.name_b}" for m in matched] or ["  none"]
    unmatched_a = [m.topic_a for m in cmp.matches if m.topic_b is None]
    unmatched_b = [m.topic_b for m in cmp.matches if m.topic_a is None]
    if unmatched_a or unmatched_b:
        lines.append(f"unmatched: A {unmatched_a or '-'}, B {unmatched_b or '-'}")
    return "\n".join(lines)


def compare_text(run_a: str | Path, run_b: str | Path) -> str:
    """Compare two run directories and return the text rendering."""
    return format_comparison(compare_runs(run_a, run_b))
