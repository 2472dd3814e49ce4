"""Compare two finished runs: metric differences and how their topics map."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.errors import RunError
from toolkit.runs import read_json

__all__ = ["compare_runs", "format_comparison", "read_assignments"]


def read_assignments(run_dir: Path) -> dict[str, int]:
    """Segment id -> topic from a run's assignments.csv."""
    path = Path(run_dir) / "assignments.csv"
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return {row["id"]: int(row["topic"]) for row in csv.DictReader(fh)}
    except FileNotFoundError:
        raise RunError(f"{path}: missing; is {run_dir} a complete run directory?") from None
    except (KeyError, ValueError) as exc:
        raise RunError(f"{path}: malformed ({exc})") from None


def compare_runs(run_a: str | Path, run_b: str | Path) -> dict[str, Any]:
    """Metric differences, ARI over shared segments, and matched topics of two runs."""
    from sklearn.metrics import adjusted_rand_score

    from toolkit.evaluate import match_topics

    a, b = Path(run_a), Path(run_b)
    for run in (a, b):
        if not run.is_dir():
            raise RunError(f"{run}: not a run directory")
    ma, mb = read_json(a / "metrics.json"), read_json(b / "metrics.json")
    metrics = {}
    for key in sorted(set(ma) | set(mb)):
        va, vb = ma.get(key), mb.get(key)
        if isinstance(va, (int, float)) and isinstance(vb, (int, float)) and not isinstance(va, bool):
            metrics[key] = {"a": va, "b": vb, "diff": vb - va}
    ta, tb = read_assignments(a), read_assignments(b)
    shared = sorted(set(ta) & set(tb))
    xa = np.array([ta[i] for i in shared], dtype=int)
    xb = np.array([tb[i] for i in shared], dtype=int)
    return {
        "run_a": str(a), "run_b": str(b),
        "shared_segments": len(shared),
        "ari": float(adjusted_rand_score(xa, xb)) if shared else None,
        "metrics": metrics,
        "matches": [{"topic_a": i, "topic_b": j, "jaccard": round(float(s), 4)}
                    for i, j, s in match_topics(xa, xb)] if shared else [],
    }


def format_comparison(cmp: dict[str, Any]) -> str:
    """Plain-text rendering for the terminal."""
    lines = [f"A: {cmp['run_a']}", f"B: {cmp['run_b']}",
             f"shared segments: {cmp['shared_segments']}",
             f"ARI between assignments: {cmp['ari']:.4f}" if cmp["ari"] is not None else "ARI: n/a", "",
             f"{'metric':<32}{'A':>12}{'B':>12}{'B-A':>12}"]
    for key, v in cmp["metrics"].items():
        lines.append(f"{key:<32}{v['a']:>12.4g}{v['b']:>12.4g}{v['diff']:>+12.4g}")
    lines += ["", "matched topics (A -> B, Jaccard of members):"]
    lines += [f"  {m['topic_a']:>4} -> {m['topic_b']:<4} {m['jaccard']:.3f}" for m in cmp["matches"]] or ["  none"]
    return "\n".join(lines)
