"""Sweep summaries: per-point and per-cell tables (CSV and Markdown) of every scalar metric.

Cells group the points of one grid cell across seeds: mean and standard deviation of each
metric, and how stable the topics are between seeds (ARI and matched topics).
"""

from __future__ import annotations

import csv
import io
import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.errors import RunError, ToolkitError
from toolkit.sweep.points import PointResult, canonical, short_keys

__all__ = ["summarize_cells", "metric_keys", "points_csv", "cells_csv", "markdown"]

log = logging.getLogger(__name__)

#: Metrics shown first in the Markdown overview (when the runs have them).
_HEADLINE = ("n_topics", "outlier_share", "nmi", "ami", "parallel_agreement", "nmi_language",
             "npmi", "topic_diversity")

# ----------------------------------------------------------------------------- summaries


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def metric_keys(results: Sequence[PointResult]) -> list[str]:
    keys: list[str] = []
    for r in results:
        keys.extend(k for k in r.metrics if k not in keys)
    return keys


def _read_topics(run_dir: Path) -> dict[str, int]:
    """Unit id -> topic from a run's assignments.csv."""
    path = run_dir / "assignments.csv"
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return {row["id"]: int(row["topic"]) for row in csv.DictReader(fh)}
    except (OSError, KeyError, ValueError, csv.Error) as exc:
        raise RunError(f"{path}: cannot read unit topics ({exc})") from None


def _topic_arrays(results: Sequence[PointResult]) -> list[np.ndarray]:
    """Topic per unit of each run, over the unit ids all of them share, in one order."""
    maps = [_read_topics(r.path) for r in results]
    shared = set(maps[0]).intersection(*maps[1:])
    order = [i for i in maps[0] if i in shared]
    if len(order) < max(len(m) for m in maps):
        log.warning("runs of one grid cell cover different units; stability uses the %d shared ones",
                    len(order))
    return [np.array([m[i] for i in order], dtype=int) for m in maps]


def summarize_cells(results: Sequence[PointResult]) -> list[dict[str, Any]]:
    """Aggregate the points of each grid cell over their seeds.

    Parameters
    ----------
    results : sequence of PointResult
        Finished points; failed ones only count in ``n_failed``.

    Returns
    -------
    list of dict
        One per cell, in sweep order: ``cell``, the grid values (``overrides``), ``seeds``,
        ``n_ok``, ``n_failed``; ``stability`` (:func:`toolkit.evaluate.stability` over the
        cell's finished runs: ``ari_mean``, ``ari_min``, ``matched_topics``, ...; ``None``
        with fewer than two); and for every numeric metric ``<metric>_mean`` and
        ``<metric>_std`` over the runs where it is a number (sample standard deviation,
        ``ddof=1``; ``None`` with fewer than two values).
    """
    from toolkit.evaluate import stability

    order: list[str] = []
    groups: dict[str, list[PointResult]] = {}
    for r in results:
        if r.point.cell not in groups:
            order.append(r.point.cell)
            groups[r.point.cell] = []
        groups[r.point.cell].append(r)
    keys = metric_keys(results)
    cells = []
    for cell in order:
        members = groups[cell]
        done = [r for r in members if r.ok]
        row: dict[str, Any] = {
            "cell": cell,
            "overrides": dict(members[0].point.overrides),
            "seeds": [r.point.seed for r in members],
            "n_ok": len(done),
            "n_failed": len(members) - len(done),
            "stability": None,
        }
        if len(done) >= 2:
            try:
                row["stability"] = stability(_topic_arrays(done))
            except ToolkitError as exc:
                log.warning("no stability for cell %s: %s", cell, exc)
        for key in keys:
            values = [x for x in (_number(r.metrics.get(key)) for r in done) if x is not None]
            row[f"{key}_mean"] = float(np.mean(values)) if values else None
            row[f"{key}_std"] = float(np.std(values, ddof=1)) if len(values) >= 2 else None
        cells.append(row)
    return cells


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return "" if not math.isfinite(v) else repr(round(v, 6))
    if isinstance(v, (dict, list)):
        return canonical(v)
    return str(v)


def _csv_text(header: list[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_fmt(v) for v in row])
    return buf.getvalue()


def _grid_keys(results: Sequence[PointResult]) -> list[str]:
    keys: list[str] = []
    for r in results:
        keys.extend(k for k in r.point.overrides if k not in keys)
    return keys


def _run_facts(r: PointResult) -> list[Any]:
    m = r.manifest
    timings = m.get("timings") or {}
    cache = m.get("cache") or {}
    emb = cache.get("embeddings") or {}
    run_seconds = round(sum(v for v in timings.values() if isinstance(v, (int, float))), 3) if timings else None
    return [run_seconds, timings.get("embed"), emb.get("computed"), cache.get("umap")]


_FACTS = ["run_seconds", "embed_seconds", "embeddings_computed", "umap_cache"]


def points_csv(results: Sequence[PointResult], metric_keys: list[str]) -> str:
    grid = _grid_keys(results)
    header = ["point", "cell", *grid, "seed", "status", "error", "run", *_FACTS, *metric_keys]
    rows = []
    for r in results:
        rows.append([r.point.name, r.point.cell, *[r.point.overrides.get(k) for k in grid], r.point.seed,
                     r.status, r.error, r.point.name if r.ok else None, *_run_facts(r),
                     *[r.metrics.get(k) for k in metric_keys]])
    return _csv_text(header, rows)


_STAB = ("ari_mean", "ari_min", "matched_topics")


def cells_csv(cells: Sequence[dict[str, Any]], metric_keys: list[str]) -> str:
    grid: list[str] = []
    for c in cells:
        grid.extend(k for k in c["overrides"] if k not in grid)
    stats = [f"{k}_{s}" for k in metric_keys for s in ("mean", "std")]
    header = ["cell", *grid, "n_ok", "n_failed", *[f"stability_{s}" for s in _STAB], *stats]
    rows = []
    for c in cells:
        stab = c["stability"] or {}
        rows.append([c["cell"], *[c["overrides"].get(k) for k in grid], c["n_ok"], c["n_failed"],
                     *[stab.get(s) for s in _STAB], *[c.get(k) for k in stats]])
    return _csv_text(header, rows)


def _md_num(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return "–"
        if abs(v) >= 1000 or v == int(v):
            return f"{v:.0f}"
        return f"{v:.3f}"
    return _md_cell(str(v))


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _mean_std(cell: dict[str, Any], key: str) -> str:
    mean, std = cell.get(f"{key}_mean"), cell.get(f"{key}_std")
    if mean is None:
        return "–"
    return _md_num(mean) if std is None else f"{_md_num(mean)} ± {_md_num(std)}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def markdown(definition: dict[str, Any], results: Sequence[PointResult], cells: Sequence[dict[str, Any]],
              metric_keys: list[str]) -> str:
    grid = _grid_keys(results)
    short = short_keys(grid)
    n_failed = sum(r.status == "failed" for r in results)
    n_resumed = sum(r.status == "resumed" for r in results)
    numeric = [k for k in metric_keys if any(_number(r.metrics.get(k)) is not None for r in results)]
    headline = [k for k in _HEADLINE if k in numeric] or numeric[:6]
    lines = [f"# Sweep {definition['name']}", ""]
    lines.append(f"Config `{definition['config']}`"
                 + (f" with {', '.join(f'`--set {o}`' for o in definition['overrides'])}"
                    if definition["overrides"] else "") + ".")
    for key in grid:
        values = list(dict.fromkeys(_fmt(r.point.overrides.get(key)) for r in results))
        lines.append(f"Grid `{key}`: {', '.join(values)}.")
    lines.append(f"Seeds: {', '.join(str(s) for s in definition['seeds'])}.")
    lines.append(f"{len(results)} points: {len(results) - n_failed} complete ({n_resumed} from an "
                 f"earlier invocation), {n_failed} failed.")
    lines += ["", "## Grid cells", "",
              "Mean ± standard deviation (sample, ddof=1) over the seeds that completed. "
              "Stability compares the seeds of a cell: ARI between their topic assignments "
              "(mean over pairs) and the share of topics matched one-to-one with Jaccard ≥ 0.5.", ""]
    header = [*[f"`{short[k]}`" for k in grid], "ok", *headline, "ARI between seeds", "matched topics"]
    rows = []
    for c in cells:
        stab = c["stability"] or {}
        rows.append([*[_md_cell(_fmt(c["overrides"].get(k))) for k in grid], f"{c['n_ok']}/{c['n_ok'] + c['n_failed']}",
                     *[_mean_std(c, k) for k in headline],
                     _md_num(stab.get("ari_mean")), _md_num(stab.get("matched_topics"))])
    lines += _table(header, rows)
    lines += ["", "## Points", ""]
    header = ["point", "seed", "status", "seconds", *headline]
    rows = []
    for r in results:
        facts = _run_facts(r)
        link = f"[{r.point.name}]({r.point.name}/report.md)" if r.ok else r.point.name
        rows.append([link, str(r.point.seed), r.status, _md_num(facts[0]),
                     *[_md_num(r.metrics.get(k)) for k in headline]])
    lines += _table(header, rows)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        lines += ["", "## Failed points", ""]
        lines += [f"- `{r.point.name}`: {_md_cell(r.error or 'unknown error')}" for r in failed]
    warned = [r for r in results if r.ok and r.warnings]
    if warned:
        lines += ["", "## Warnings", ""]
        lines += [f"- `{r.point.name}`: {_md_cell(w)}" for r in warned for w in r.warnings]
    if numeric:
        lines += ["", "## Every metric per grid cell", ""]
        lines += _table(["metric", *[f"`{c['cell']}`" for c in cells]],
                        [[k, *[_mean_std(c, k) for c in cells]] for k in numeric])
        done = [r for r in results if r.ok]
        lines += ["", "## Every metric per point", ""]
        lines += _table(["metric", *[f"`{r.point.name}`" for r in done]],
                        [[k, *[_md_num(r.metrics.get(k)) for r in done]] for k in numeric])
    lines += ["", "Files: `summary.csv` (one row per point), `cells.csv` (one row per grid cell), "
              "`sweep.json` (definition and status).", ""]
    return "\n".join(lines)
