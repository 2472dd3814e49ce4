"""Plain-text comparison of two finished runs for the terminal (``topicbridge compare``).

The comparison itself (metric differences, ARI over shared segments, topic matching) is
:func:`toolkit.report.compare.compare_runs`, which ``topicbridge report --compare`` renders
as HTML/Markdown; this module only formats it as text.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["format_comparison", "compare_text"]


def format_comparison(cmp) -> str:
    """Render a :class:`toolkit.report.compare.Comparison` as aligned text."""
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
    from toolkit.report.compare import compare_runs

    return format_comparison(compare_runs(run_a, run_b))
