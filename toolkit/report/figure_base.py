"""What every plotly figure of the HTML report shares: the spec, colours, labels and layout.

Figures are plain JSON-ready dicts; each builder module (``map_figure``, ``topic_figures``,
``time_figures``, ``document_figures``) takes a :class:`~toolkit.report.data.ReportData` and
returns a :class:`FigureSpec` or ``None`` when the figure does not apply. Every corpus string
that goes into a figure is escaped with :func:`~toolkit.report.text.plotly_text` because plotly
renders HTML-like markup in labels. The layout template is inlined once in the page
(:func:`shared_template`) instead of being repeated in every figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import qualitative

from toolkit.report.data import ReportData, TopicInfo
from toolkit.report.text import plotly_text, truncate

__all__ = [
    "FigureSpec", "OUTLIER_COLOR", "FIGURE_TOPICS", "OTHER_TOPICS", "topic_colors", "language_colors",
    "topic_axis_label", "topic_label", "topic_full_name", "shared_template", "finish", "count_axis", "figure_height",
    "figure_topics", "capped_note", "group_rest", "stacked_topic_bars",
]

OUTLIER_COLOR = "#b8b8b8"
TOPIC_PALETTE = list(dict.fromkeys(
    [c for c in qualitative.T10 if c != "#BAB0AC"] + list(qualitative.Dark24) + list(qualitative.Light24)))
LANG_PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
                 "#1f78b4", "#b2df8a", "#666666"]
TEMPLATE = "plotly_white"
@dataclass(frozen=True)
class FigureSpec:
    """One figure of the HTML report.

    Attributes
    ----------
    key : str
        Stable identifier (also the HTML element id suffix), e.g. ``"map"``.
    title : str
        Section heading.
    caption : str
        One or two sentences on how to read the figure (plain text, escaped by the template).
    figure : dict
        ``{"data": [...], "layout": {...}}`` without the layout template.
    points : dict, optional
        The map's points as columns (see :mod:`~toolkit.report.map_figure`): the HTML page
        stores these instead of ``figure["data"]`` and builds the traces in the browser.
    """

    key: str
    title: str
    caption: str
    figure: dict
    points: dict | None = None


def topic_colors(data: ReportData) -> dict[int, str]:
    """Topic id -> colour; outliers grey, real topics from a 48-colour palette (cycling)."""
    colors = {t.topic: TOPIC_PALETTE[i % len(TOPIC_PALETTE)] for i, t in enumerate(data.real_topics)}
    colors[-1] = OUTLIER_COLOR
    colors[OTHER_TOPICS] = "#c7c7c7"
    for tid in sorted(set(data.assignments["topic"])):
        if tid not in colors:
            colors[int(tid)] = TOPIC_PALETTE[len(colors) % len(TOPIC_PALETTE)]
    return colors


def language_colors(languages: list[str]) -> dict[str, str]:
    """Language code -> colour, stable for a sorted list of codes."""
    return {lang: LANG_PALETTE[i % len(LANG_PALETTE)] for i, lang in enumerate(languages)}


def topic_axis_label(topic: TopicInfo | None, topic_id: int, limit: int = 42) -> str:
    """Unescaped short label ``"<id>: <name>"`` (escape it before giving it to plotly)."""
    name = topic.name if topic is not None else ("outliers" if topic_id == -1 else "")
    return truncate(f"{topic_id}: {name}" if name else str(topic_id), limit)


def topic_label(data: ReportData, topic_id: int) -> str:
    """The escaped short label of a topic for axes and legends (cut at a word boundary)."""
    return plotly_text(topic_axis_label(data.topic(topic_id), topic_id))


def topic_full_name(data: ReportData, topic_id: int) -> str:
    """The escaped full ``"<id>: <name>"`` of a topic, for hover text (up to 300 characters)."""
    return plotly_text(topic_axis_label(data.topic(topic_id), topic_id, 300))


def shared_template() -> dict:
    """The plotly layout template every report figure uses (inlined once in the HTML)."""
    return pio.templates[TEMPLATE].to_plotly_json()


def finish(fig: go.Figure, height: int, **layout) -> dict:
    base = dict(template=TEMPLATE, height=height, margin=dict(l=10, r=10, t=30, b=40),
                font=dict(family="system-ui, -apple-system, 'Segoe UI', 'Noto Sans', sans-serif",
                          size=12),
                hoverlabel=dict(align="left"))
    fig.update_layout(**{**base, **layout})
    spec = fig.to_plotly_json()
    spec["layout"].pop("template", None)
    return {"data": spec["data"], "layout": spec["layout"]}


def count_axis(max_count: float) -> dict:
    """An axis of segment counts: whole-number ticks when counts are small."""
    return dict(title="units", dtick=1) if max_count <= 8 else dict(title="units")


def figure_height(n_rows: int, per_row: int = 22, base: int = 120, minimum: int = 320) -> int:
    return max(minimum, base + per_row * n_rows)


#: Most topics a figure draws one by one: the largest ones; the rest are grouped or left out, so
#: the page stays small and readable at any topic count (the data files hold every topic).
FIGURE_TOPICS = 100
#: The trace or bar holding the topics beyond FIGURE_TOPICS.
OTHER_TOPICS = -2


def figure_topics(data: ReportData) -> set[int]:
    """The topics figures show one by one: the ``FIGURE_TOPICS`` largest, and the outliers."""
    topics = sorted((t for t in data.topics if not t.is_outlier), key=lambda t: (-t.size, t.topic))
    return {t.topic for t in topics[:FIGURE_TOPICS]} | {-1}


def capped_note(data: ReportData) -> str:
    n = sum(not t.is_outlier for t in data.topics)
    return (f" The {FIGURE_TOPICS} largest of {n:,} topics are drawn one by one; topics.csv has them all."
            if n > FIGURE_TOPICS else "")


def group_rest(frame_topics: pd.Series, keep: set[int]) -> pd.Series:
    """Topic ids with every topic outside ``keep`` as ``OTHER_TOPICS``."""
    return frame_topics.where(frame_topics.isin(list(keep)), OTHER_TOPICS)


def stacked_topic_bars(data: ReportData, categories: list[str], counts: pd.DataFrame,
                        orientation: str, words: dict[tuple[str, int], list[str]] | None = None) -> list[go.Bar]:
    """One bar trace per topic over ``categories`` (the topics beyond FIGURE_TOPICS as one);
    ``words`` (``(category, topic) -> words``) adds each bar's words to its hover."""
    colors = topic_colors(data)
    keep = figure_topics(data)
    rest = [t for t in counts.columns if t not in keep]
    if rest:
        other = counts[rest].sum(axis=1).rename(OTHER_TOPICS)
        counts = pd.concat([counts.drop(columns=rest), other], axis=1)
    bars = []
    for tid in sorted(counts.columns, key=lambda t: (t == -1, t == OTHER_TOPICS, t)):
        values = [int(counts.at[c, tid]) if c in counts.index else 0 for c in categories]
        label = topic_label(data, int(tid)) if tid != OTHER_TOPICS else "other topics"
        kwargs = dict(x=categories, y=values) if orientation == "v" else dict(x=values, y=categories)
        category, value = ("%{x}", "%{y}") if orientation == "v" else ("%{y}", "%{x}")
        hover = f"{category}<br>%{{meta}}: {value} units"
        if words is not None:
            kwargs["customdata"] = [plotly_text(", ".join(words.get((c, int(tid)), []))) for c in categories]
            hover += "<br>%{customdata}"
        full = topic_full_name(data, int(tid)) if tid != OTHER_TOPICS else "other topics"
        bars.append(go.Bar(name=label, orientation=orientation, marker_color=colors.get(int(tid)),
                           meta=full, hovertemplate=hover + "<extra></extra>", **kwargs))
    return bars
