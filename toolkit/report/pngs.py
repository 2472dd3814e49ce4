"""Static PNG figures (matplotlib, Agg) that the Markdown report links to.

Figures are drawn on :class:`matplotlib.figure.Figure` objects with the Agg canvas, never
through ``pyplot``, so nothing global (backend, rcParams, open figures) changes. Labels can be
Russian or Chinese: a CJK-capable system font is used as a fallback when one is installed;
without one, Chinese glyphs show as boxes (the HTML report is unaffected).
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from toolkit.report.data import ReportData
from toolkit.report.figures import (OUTLIER_COLOR, language_colors, topic_axis_label, topic_counts_over_time,
                                    topic_colors)

__all__ = ["PNG_FILES", "write_pngs"]

log = logging.getLogger(__name__)

#: File name -> what it shows (the Markdown report links those that were written).
PNG_FILES = {
    "topic_sizes.png": "Topic sizes by language",
    "topic_language.png": "Share of each language in each topic",
    "map.png": "Document map coloured by topic",
    "over_time.png": "Segments per topic over time",
}

_CJK_FONT_HINTS = ("Noto Sans CJK", "Noto Serif CJK", "Source Han Sans", "WenQuanYi", "Droid Sans Fallback",
                   "AR PL", "SimHei", "Microsoft YaHei", "PingFang", "Heiti", "Hiragino Sans GB")
_DPI = 110
#: Topic rows drawn in the bar and heat-map PNGs. Beyond this the labels are unreadable at
#: page width and text layout dominates the report's time (4.5 s of CPU at 60 topics against
#: 2.5 s at 30); the HTML report and the Markdown tables list every topic.
MAX_PNG_TOPICS = 30


@lru_cache(maxsize=1)
def _cjk_font() -> str | None:
    from matplotlib import font_manager

    for entry in font_manager.fontManager.ttflist:
        if any(hint.lower() in entry.name.lower() for hint in _CJK_FONT_HINTS):
            return entry.name
    return None


@contextlib.contextmanager
def _style() -> Iterator[None]:
    families = ["DejaVu Sans"] + ([_cjk_font()] if _cjk_font() else [])
    with matplotlib.rc_context({"font.family": families, "font.size": 9,
                                "axes.spines.top": False, "axes.spines.right": False}):
        with warnings.catch_warnings():
            # Missing CJK glyphs when no CJK font is installed: documented above, not an error.
            warnings.filterwarnings("ignore", message=r"Glyph .* missing from font")
            warnings.filterwarnings("ignore", message=r".*missing from current font")
            yield


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, format="png", dpi=_DPI, bbox_inches="tight")
    tmp.replace(path)
    return path


def _shown(data: ReportData) -> tuple[list, str]:
    """The topics a PNG draws (the largest :data:`MAX_PNG_TOPICS`, outliers last) and a title note."""
    real = [t for t in data.topics if not t.is_outlier]
    if len(real) <= MAX_PNG_TOPICS:
        return list(data.topics), ""
    largest = sorted(real, key=lambda t: (-t.size, t.topic))[:MAX_PNG_TOPICS]
    largest.sort(key=lambda t: t.topic)
    return largest + [t for t in data.topics if t.is_outlier], \
        f" (largest {MAX_PNG_TOPICS} of {len(real)} topics)"


def _labels(topics: list, limit: int = 34) -> list[str]:
    return [topic_axis_label(t, t.topic, limit) for t in topics]


def _sizes_png(data: ReportData, path: Path) -> Path:
    topics, note = _shown(data)
    labels = _labels(topics)
    fig = Figure(figsize=(8, max(2.5, 0.26 * len(labels) + 1.0)))
    ax = fig.add_subplot()
    left = np.zeros(len(labels))
    for lang, color in language_colors(data.languages).items():
        values = np.array([t.sizes.get(lang, 0) for t in topics], dtype=float)
        ax.barh(range(len(labels)), values, left=left, color=color, label=lang)
        left += values
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("segments")
    ax.set_title("Topic sizes by language" + note)
    ax.legend(title="language", loc="lower right", frameon=False)
    return _save(fig, path)


def _language_png(data: ReportData, path: Path) -> Path:
    topics, note = _shown(data)
    labels = _labels(topics)
    counts = np.array([[t.sizes.get(lang, 0) for lang in data.languages] for t in topics],
                      dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    fig = Figure(figsize=(max(4.5, 1.1 * len(data.languages) + 3.5), max(2.5, 0.26 * len(labels) + 1.2)))
    ax = fig.add_subplot()
    image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(data.languages)), data.languages)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(labels)), labels)
    for (i, j), value in np.ndenumerate(share):
        ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=7,
                color="white" if value > 0.6 else "#222")
    fig.colorbar(image, ax=ax, fraction=0.05, label="share of topic")
    ax.set_title("Share of each language in each topic" + note, pad=24)
    return _save(fig, path)


def _map_png(data: ReportData, path: Path, max_points: int = 20000) -> Path:
    a = data.assignments
    a = a[np.isfinite(a["x"]) & np.isfinite(a["y"])]
    if len(a) > max_points:
        a = a.iloc[np.sort(np.random.default_rng(0).choice(len(a), max_points, replace=False))]
    colors = topic_colors(data)
    fig = Figure(figsize=(8, 6.5))
    ax = fig.add_subplot()
    outliers = a[a["topic"] == -1]
    if len(outliers):
        ax.scatter(outliers["x"], outliers["y"], s=5, c=OUTLIER_COLOR, alpha=0.5, label="outliers",
                   linewidths=0)
    real = a[a["topic"] != -1]
    sizes = real["topic"].value_counts()
    for tid in sorted(sizes.index):
        part = real[real["topic"] == tid]
        label = topic_axis_label(data.topic(int(tid)), int(tid), 30) if tid in sizes.index[:12] else None
        ax.scatter(part["x"], part["y"], s=9, color=colors.get(int(tid)), alpha=0.8, label=label,
                   linewidths=0)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("Document map (colour = topic)")
    if len(sizes) or len(outliers):
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=7,
                  title="largest topics" if len(sizes) > 12 else "topic", markerscale=1.6)
    return _save(fig, path)


def _time_png(data: ReportData, path: Path) -> Path | None:
    binned = topic_counts_over_time(data)
    if binned is None:
        return None
    counts, periods, unit = binned
    counts = counts.reindex(periods, fill_value=0)
    colors = topic_colors(data)
    fig = Figure(figsize=(max(6.0, min(14.0, 0.35 * len(counts) + 4)), 4.2))
    ax = fig.add_subplot()
    bottom = np.zeros(len(counts))
    columns = sorted(counts.columns, key=lambda t: (t == -1, t))
    for tid in columns:
        values = counts[tid].to_numpy(dtype=float)
        label = topic_axis_label(data.topic(int(tid)), int(tid), 30) if len(columns) <= 15 else None
        ax.bar(range(len(counts)), values, bottom=bottom, color=colors.get(int(tid)), label=label)
        bottom += values
    step = max(1, len(counts) // 20)
    ax.set_xticks(range(0, len(counts), step), list(counts.index)[::step], rotation=45, ha="right")
    ax.set_ylabel("segments")
    ax.set_xlabel(unit)
    ax.set_title(f"Segments per topic per {unit}")
    if len(columns) <= 15:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=7)
    return _save(fig, path)


def write_pngs(data: ReportData, fig_dir: str | Path) -> list[Path]:
    """Draw the static figures of a run into ``fig_dir``.

    Parameters
    ----------
    data : ReportData
    fig_dir : str or Path
        Folder to write into (created when missing).

    Returns
    -------
    list of Path
        The PNG files written: ``topic_sizes.png`` and ``topic_language.png`` when there are
        topics, ``map.png`` when there are coordinates, ``over_time.png`` when there are dates.
    """
    out = Path(fig_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with _style():
        if data.topics:
            written.append(_sizes_png(data, out / "topic_sizes.png"))
            if data.languages:
                written.append(_language_png(data, out / "topic_language.png"))
        if data.has_map:
            written.append(_map_png(data, out / "map.png"))
        if data.has_dates:
            path = _time_png(data, out / "over_time.png")
            if path is not None:
                written.append(path)
    log.debug("wrote %d PNG figures to %s", len(written), out)
    return written
