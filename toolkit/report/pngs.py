"""Static PNG figures (matplotlib, Agg) that the Markdown report links to.

Figures are drawn on :class:`matplotlib.figure.Figure` objects with the Agg canvas, never
through ``pyplot``, so nothing global (backend, rcParams, open figures) changes. Labels can be
Russian or Chinese: a CJK-capable font is found by file (:func:`cjk_font_file`: fontconfig,
then the system font folders, each file checked for Chinese glyphs) and registered with
matplotlib by path, so a matplotlib font cache built before the font was installed does not
hide it. Without one, one warning names the package to install and Chinese glyphs show as
boxes (the HTML report is unaffected).
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import subprocess
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

__all__ = ["PNG_FILES", "CJK_FONT_PACKAGES", "cjk_font_file", "png_font_families", "write_pngs"]

log = logging.getLogger(__name__)

#: File name -> what it shows (the Markdown report links those that were written).
PNG_FILES = {
    "topic_sizes.png": "Topic sizes by language",
    "topic_language.png": "Share of each language in each topic",
    "map.png": "Document map coloured by topic",
    "over_time.png": "Segments per topic over time",
}

#: Fonts searched for by file name when fontconfig is not there to ask.
_CJK_FONT_HINTS = ("wqy", "wenquanyi", "notosanscjk", "notoserifcjk", "sourcehansans", "droidsansfallback",
                   "uming", "ukai", "simhei", "simsun", "msyh", "pingfang", "hiragino", "heiti")
#: What to install for Chinese labels (named in the warning when no CJK font exists).
CJK_FONT_PACKAGES = "fonts-wqy-microhei or fonts-noto-cjk (Debian/Ubuntu: apt-get install fonts-wqy-microhei)"
_CJK_PROBE = "中文医"
_DPI = 110
#: Topic rows drawn in the bar and heat-map PNGs. Beyond this the labels are unreadable at
#: page width and text layout dominates the report's time (4.5 s of CPU at 60 topics against
#: 2.5 s at 30); the HTML report and the Markdown tables list every topic.
MAX_PNG_TOPICS = 30


def _has_cjk_glyphs(path: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        face = FT2Font(path)
        return all(face.get_char_index(ord(ch)) != 0 for ch in _CJK_PROBE)
    except (OSError, RuntimeError, ValueError):
        return False


def _fontconfig_files() -> list[str]:
    exe = shutil.which("fc-list")
    if exe is None:
        return []
    try:
        out = subprocess.run([exe, ":lang=zh", "file"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()})


@lru_cache(maxsize=1)
def cjk_font_file() -> str | None:
    """A font file with Chinese glyphs: what fontconfig lists for ``:lang=zh``, else a system font
    whose file name is a known CJK family; each candidate is opened and checked for glyphs.
    ``None`` when there is none."""
    from matplotlib import font_manager

    candidates = _fontconfig_files()
    candidates += sorted(f for f in font_manager.findSystemFonts()
                         if any(h in Path(f).name.lower().replace("-", "").replace("_", "") for h in _CJK_FONT_HINTS))
    for path in dict.fromkeys(candidates):
        if _has_cjk_glyphs(path):
            return path
    return None


@lru_cache(maxsize=1)
def png_font_families() -> tuple[str, ...]:
    """The font families the PNGs use: DejaVu Sans (Latin, Cyrillic), then the CJK font of
    :func:`cjk_font_file` registered by path; warns once when there is no CJK font."""
    from matplotlib import font_manager

    path = cjk_font_file()
    if path is None:
        log.warning("no font with Chinese glyphs found: Chinese labels in figures/*.png will show as boxes; "
                    "install %s", CJK_FONT_PACKAGES)
        return ("DejaVu Sans",)
    font_manager.fontManager.addfont(path)
    name = font_manager.FontProperties(fname=path).get_name()
    log.debug("PNG figures use %s (%s) for CJK text", name, path)
    return ("DejaVu Sans", name)


@contextlib.contextmanager
def _style() -> Iterator[None]:
    families = png_font_families()
    with matplotlib.rc_context({"font.family": list(families), "font.size": 9,
                                "axes.spines.top": False, "axes.spines.right": False}):
        with warnings.catch_warnings():
            if len(families) == 1:
                # Missing CJK glyphs without a CJK font: warned about once in png_font_families.
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
    for tid in sizes.index[:12]:
        topic = data.topic(int(tid))
        words = [topic.keywords_by_lang[lang][0] for lang in data.languages
                 if topic is not None and topic.keywords_by_lang.get(lang)][:4]
        if words:  # the first keyword of each language at the topic's centre
            part = real[real["topic"] == tid]
            ax.annotate(" · ".join(words), (float(part["x"].median()), float(part["y"].median())), fontsize=7,
                        ha="center", va="center", color="#222",
                        bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.75))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title("Document map (colour = topic; labels: first keyword per language)")
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
