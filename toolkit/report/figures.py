"""Interactive plotly figures of a run, as plain JSON-ready dicts for the HTML report.

Every figure builder takes a :class:`~toolkit.report.data.ReportData` and returns a
:class:`FigureSpec` or ``None`` when the figure does not apply (fewer than two topics, no
dates, no map coordinates, ...). Every corpus string that goes into a figure is escaped with
:func:`~toolkit.report.text.plotly_text` because plotly renders HTML-like markup in labels.
The shared layout template is returned once by :func:`shared_template` instead of being
repeated in every figure.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import qualitative
from scipy.cluster.hierarchy import dendrogram, linkage
from scipy.spatial.distance import squareform

from toolkit.report.data import ReportData, TopicInfo
from toolkit.report.text import plotly_hover, plotly_text, truncate

__all__ = [
    "FigureSpec", "OUTLIER_COLOR", "topic_colors", "language_colors", "topic_axis_label",
    "topic_order", "time_bins", "shared_template", "map_figure", "sizes_figure",
    "language_heatmap_figure", "similarity_figure", "hierarchy_figure", "over_time_figure",
    "per_document_figure", "build_figures",
]

log = logging.getLogger(__name__)

OUTLIER_COLOR = "#b8b8b8"
_TOPIC_PALETTE = list(dict.fromkeys(
    [c for c in qualitative.T10 if c != "#BAB0AC"] + list(qualitative.Dark24) + list(qualitative.Light24)))
_LANG_PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d",
                 "#1f78b4", "#b2df8a", "#666666"]
_TEMPLATE = "plotly_white"
#: Above this many map points the map uses WebGL (scattergl) instead of SVG.
WEBGL_THRESHOLD = 5000
#: Points the interactive map draws at most (a seeded sample beyond). Each point stores its
#: hover text (about 300 to 600 bytes); 20,000 points made a 14 MB report at 100k segments.
MAP_MAX_POINTS = 10_000
#: Hover text length (characters of segment text) on maps of more than WEBGL_THRESHOLD
#: points, against the usual 160: keeps the page under 10 MB at any corpus size.
LARGE_MAP_HOVER_CHARS = 100


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
    """

    key: str
    title: str
    caption: str
    figure: dict


def topic_colors(data: ReportData) -> dict[int, str]:
    """Topic id -> colour; outliers grey, real topics from a 48-colour palette (cycling)."""
    colors = {t.topic: _TOPIC_PALETTE[i % len(_TOPIC_PALETTE)] for i, t in enumerate(data.real_topics)}
    colors[-1] = OUTLIER_COLOR
    colors[OTHER_TOPICS] = "#c7c7c7"
    for tid in sorted(set(data.assignments["topic"])):
        if tid not in colors:
            colors[int(tid)] = _TOPIC_PALETTE[len(colors) % len(_TOPIC_PALETTE)]
    return colors


def language_colors(languages: list[str]) -> dict[str, str]:
    """Language code -> colour, stable for a sorted list of codes."""
    return {lang: _LANG_PALETTE[i % len(_LANG_PALETTE)] for i, lang in enumerate(languages)}


def topic_axis_label(topic: TopicInfo | None, topic_id: int, limit: int = 42) -> str:
    """Unescaped short label ``"<id>: <name>"`` (escape it before giving it to plotly)."""
    name = topic.name if topic is not None else ("outliers" if topic_id == -1 else "")
    return truncate(f"{topic_id}: {name}" if name else str(topic_id), limit)


def _label(data: ReportData, topic_id: int) -> str:
    return plotly_text(topic_axis_label(data.topic(topic_id), topic_id))


def shared_template() -> dict:
    """The plotly layout template every report figure uses (inlined once in the HTML)."""
    return pio.templates[_TEMPLATE].to_plotly_json()


def _finish(fig: go.Figure, height: int, **layout) -> dict:
    base = dict(template=_TEMPLATE, height=height, margin=dict(l=10, r=10, t=30, b=40),
                font=dict(family="system-ui, -apple-system, 'Segoe UI', 'Noto Sans', sans-serif",
                          size=12),
                hoverlabel=dict(align="left"))
    fig.update_layout(**{**base, **layout})
    spec = fig.to_plotly_json()
    spec["layout"].pop("template", None)
    return {"data": spec["data"], "layout": spec["layout"]}


def _count_axis(max_count: float) -> dict:
    """An axis of segment counts: whole-number ticks when counts are small."""
    return dict(title="segments", dtick=1) if max_count <= 8 else dict(title="segments")


def _height(n_rows: int, per_row: int = 22, base: int = 120, minimum: int = 320) -> int:
    return max(minimum, base + per_row * n_rows)


# ------------------------------------------------------------------------------------ the map


#: Most topics a figure draws one by one: the largest ones; the rest are grouped or left out, so
#: the page stays small and readable at any topic count (the data files hold every topic).
FIGURE_TOPICS = 100
#: The trace or bar holding the topics beyond FIGURE_TOPICS.
OTHER_TOPICS = -2


def figure_topics(data: ReportData) -> set[int]:
    """The topics figures show one by one: the ``FIGURE_TOPICS`` largest, and the outliers."""
    topics = sorted((t for t in data.topics if not t.is_outlier), key=lambda t: (-t.size, t.topic))
    return {t.topic for t in topics[:FIGURE_TOPICS]} | {-1}


def _capped_note(data: ReportData) -> str:
    n = sum(not t.is_outlier for t in data.topics)
    return (f" The {FIGURE_TOPICS} largest of {n:,} topics are drawn one by one; topics.csv has them all."
            if n > FIGURE_TOPICS else "")


def _group_rest(frame_topics: pd.Series, keep: set[int]) -> pd.Series:
    """Topic ids with every topic outside ``keep`` as ``OTHER_TOPICS``."""
    return frame_topics.where(frame_topics.isin(list(keep)), OTHER_TOPICS)


def map_figure(data: ReportData, max_points: int = MAP_MAX_POINTS, seed: int = 0) -> FigureSpec | None:
    """2-D map of the segments coloured by topic, with a menu to colour by language instead.

    At most ``max_points`` segments are drawn (a seeded random sample); coordinates are
    rounded to 3 decimals and hover texts are truncated, to keep the report small.
    """
    if not data.has_map:
        return None
    frame = data.assignments
    frame = frame[np.isfinite(frame["x"]) & np.isfinite(frame["y"])]
    total = len(frame)
    if total > max_points:
        rng = np.random.default_rng(seed)
        frame = frame.iloc[np.sort(rng.choice(total, size=max_points, replace=False))]
    shown = len(frame)
    names = {t.topic: t.name for t in data.topics}
    heads = [
        f"<b>{plotly_text(truncate(sid, 40))}</b> · {plotly_text(lang)} · "
        f"{plotly_text(truncate(f'{tid}: ' + names.get(tid, ''), 50))}"
        for sid, lang, tid in zip(frame["id"], frame["lang"], frame["topic"])
    ]
    limit = 160 if shown <= WEBGL_THRESHOLD else LARGE_MAP_HOVER_CHARS
    hover_arr = np.asarray([f"{h}<br>{plotly_hover(text, limit=limit)}" for h, text in zip(heads, frame["text"])],
                           dtype=object)
    # The language view repeats every point; its hover omits the text, which would otherwise
    # be stored twice and double the report's size (20 MB at 100k segments).
    head_arr = np.asarray(heads, dtype=object)
    xs = frame["x"].round(3).to_numpy()
    ys = frame["y"].round(3).to_numpy()
    scatter = go.Scattergl if shown > WEBGL_THRESHOLD else go.Scatter

    tcolors = topic_colors(data)
    traces, by_topic, by_lang = [], [], []
    grouped = _group_rest(frame["topic"], figure_topics(data))
    topic_ids = sorted(set(grouped), key=lambda t: (t != -1, t == OTHER_TOPICS, t))  # outliers drawn first
    for tid in topic_ids:
        mask = (grouped == tid).to_numpy()
        traces.append(scatter(
            x=xs[mask].tolist(), y=ys[mask].tolist(), mode="markers",
            name=_label(data, tid) if tid != OTHER_TOPICS else "other topics",
            hovertext=hover_arr[mask].tolist(), hoverinfo="text",
            marker=dict(color=tcolors.get(int(tid), OUTLIER_COLOR),
                        size=4 if tid == -1 else 6, opacity=0.45 if tid == -1 else 0.8)))
        by_topic.append(True)
        by_lang.append(False)
    lcolors = language_colors(data.languages)
    for lang in sorted(set(frame["lang"])):
        mask = (frame["lang"] == lang).to_numpy()
        traces.append(scatter(
            x=xs[mask].tolist(), y=ys[mask].tolist(), mode="markers", name=plotly_text(lang),
            hovertext=head_arr[mask].tolist(), hoverinfo="text", visible=False,
            marker=dict(color=lcolors.get(lang, "#444"), size=6, opacity=0.75)))
        by_topic.append(False)
        by_lang.append(True)
    fig = go.Figure(traces)
    menu = dict(type="buttons", direction="right", x=0, y=1.0, xanchor="left", yanchor="bottom",
                pad=dict(r=4, t=4), showactive=True, buttons=[
                    dict(label="Colour by topic", method="update",
                         args=[{"visible": by_topic}, {"legend.title.text": "topic"}]),
                    dict(label="Colour by language", method="update",
                         args=[{"visible": by_lang}, {"legend.title.text": "language"}]),
                ])
    figure = _finish(fig, 620, updatemenus=[menu], legend=dict(title=dict(text="topic"),
                                                               itemsizing="constant"),
                     xaxis=dict(showticklabels=False, zeroline=False, title=None),
                     yaxis=dict(showticklabels=False, zeroline=False, title=None),
                     margin=dict(l=10, r=10, t=50, b=10))
    sampled = f" A random sample of {shown:,} of {total:,} segments is shown." if shown < total else ""
    caption = ("Each point is a segment, placed by a 2-D UMAP of its embedding; nearby points "
               "have similar meaning. Use the buttons to colour by topic or by language, click "
               "legend entries to hide them, hover for the text." + sampled + _capped_note(data))
    return FigureSpec("map", "Document map", caption, figure)


# ----------------------------------------------------------------------------- topic summaries


def sizes_figure(data: ReportData) -> FigureSpec | None:
    """Horizontal bars of topic sizes, stacked by language (outliers included)."""
    if not data.topics:
        return None
    keep = figure_topics(data)
    topics = [t for t in data.topics if t.topic in keep]
    labels = [_label(data, t.topic) for t in topics]
    lcolors = language_colors(data.languages)
    fig = go.Figure([
        go.Bar(y=labels, x=[t.sizes.get(lang, 0) for t in topics], name=plotly_text(lang),
               orientation="h", marker_color=lcolors[lang],
               hovertemplate="%{y}<br>%{fullData.name}: %{x}<extra></extra>")
        for lang in data.languages
    ])
    figure = _finish(fig, _height(len(labels)), barmode="stack",
                     yaxis=dict(autorange="reversed", type="category"),
                     xaxis=_count_axis(max((t.size for t in topics), default=0)),
                     legend=dict(title=dict(text="language"), traceorder="normal"))
    return FigureSpec("sizes", "Topic sizes",
                      "Number of segments per topic, split by language." + _capped_note(data), figure)


def language_heatmap_figure(data: ReportData) -> FigureSpec | None:
    """Topic x language heatmap: the share of each language in each topic."""
    if not data.topics or not data.languages:
        return None
    keep = figure_topics(data)
    topics = [t for t in data.topics if t.topic in keep]
    labels = [_label(data, t.topic) for t in topics]
    counts = np.array([[t.sizes.get(lang, 0) for lang in data.languages] for t in topics],
                      dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    fig = go.Figure(go.Heatmap(
        z=share.round(3).tolist(), x=[plotly_text(lang) for lang in data.languages], y=labels,
        customdata=counts.astype(int).tolist(), zmin=0, zmax=1, colorscale="Blues",
        texttemplate="%{z:.0%}", colorbar=dict(title=dict(text="share"), tickformat=".0%"),
        hovertemplate="%{y}<br>%{x}: %{customdata} segments (%{z:.0%})<extra></extra>"))
    figure = _finish(fig, _height(len(labels)), yaxis=dict(autorange="reversed", type="category"),
                     xaxis=dict(side="top", type="category"))
    caption = ("Share of each language within each topic (rows sum to 100%). A topic that "
               "crosses languages has several non-zero cells; a topic that is 100% one language "
               "may be a language artefact rather than a theme." + _capped_note(data))
    return FigureSpec("languages", "Topics by language", caption, figure)


def _distance_matrix(sim: np.ndarray) -> np.ndarray:
    sim = np.nan_to_num(np.asarray(sim, dtype=float), nan=0.0)
    dist = np.clip(1.0 - (sim + sim.T) / 2.0, 0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    return dist


def topic_order(data: ReportData) -> tuple[list[int], np.ndarray | None]:
    """Topic ids of the similarity matrix in dendrogram leaf order, and the linkage matrix.

    Returns the ids in stored order and ``None`` when there are fewer than two topics.
    """
    ids, sim = _figure_similarity(data)
    if sim is None or len(ids) < 2:
        return ids, None
    z = linkage(squareform(_distance_matrix(sim), checks=False), method="average")
    leaves = dendrogram(z, no_plot=True)["leaves"]
    return [ids[i] for i in leaves], z


def _figure_similarity(data: ReportData) -> tuple[list[int], np.ndarray | None]:
    """The similarity ids and matrix restricted to :func:`figure_topics`."""
    ids = list(data.similarity_topics)
    if data.similarity is None:
        return ids, None
    keep = figure_topics(data)
    pos = [i for i, t in enumerate(ids) if t in keep]
    if len(pos) == len(ids):
        return ids, data.similarity
    return [ids[i] for i in pos], np.asarray(data.similarity)[np.ix_(pos, pos)]


def similarity_figure(data: ReportData) -> FigureSpec | None:
    """Heatmap of topic centroid similarity, ordered like the hierarchy."""
    order, z = topic_order(data)
    ids, full = _figure_similarity(data)
    if z is None or full is None:
        return None
    index = {t: i for i, t in enumerate(ids)}
    pos = [index[t] for t in order]
    sim = np.nan_to_num(full)[np.ix_(pos, pos)]
    labels = [_label(data, t) for t in order]
    # Full labels on the rows; ids on the columns keep the matrix square and readable.
    fig = go.Figure(go.Heatmap(z=sim.round(3).tolist(), x=[str(t) for t in order], y=labels,
                               colorscale="Viridis", colorbar=dict(title=dict(text="cosine")),
                               hovertemplate="%{y}<br>topic %{x}<br>similarity %{z:.2f}"
                                             "<extra></extra>"))
    size = _height(len(labels), per_row=20, base=120, minimum=360)
    figure = _finish(fig, size, yaxis=dict(autorange="reversed", type="category"),
                     xaxis=dict(type="category", title="topic", tickangle=0,
                                showticklabels=len(labels) <= 80))
    caption = ("Cosine similarity of topic centroid embeddings, in the order of the hierarchy "
               "below; bright off-diagonal blocks are topics that could be merged." + _capped_note(data))
    return FigureSpec("similarity", "Topic similarity", caption, figure)


def hierarchy_figure(data: ReportData) -> FigureSpec | None:
    """Dendrogram (average linkage on 1 - similarity) of the topics."""
    _, z = topic_order(data)
    if z is None:
        return None
    ids, _ = _figure_similarity(data)
    tree = dendrogram(z, no_plot=True, labels=list(range(len(ids))))
    palette = list(qualitative.Plotly)
    segments: dict[str, tuple[list, list]] = {}
    for xs, ys, color in zip(tree["dcoord"], tree["icoord"], tree["color_list"]):
        bucket = segments.setdefault(color, ([], []))
        bucket[0].extend(list(xs) + [None])
        bucket[1].extend(list(ys) + [None])
    traces = []
    for color, (xs, ys) in sorted(segments.items()):
        line = palette[int(color[1:]) % len(palette)] if color[1:].isdigit() else "#777"
        traces.append(go.Scatter(x=[None if v is None else round(v, 4) for v in xs],
                                 y=ys, mode="lines", line=dict(color=line, width=1.6),
                                 hoverinfo="skip", showlegend=False))
    leaf_ids = [ids[int(i)] for i in tree["ivl"]]
    ticks = [5 + 10 * i for i in range(len(leaf_ids))]
    fig = go.Figure(traces)
    figure = _finish(fig, _height(len(leaf_ids), per_row=20, base=80),
                     yaxis=dict(tickvals=ticks, ticktext=[_label(data, t) for t in leaf_ids],
                                autorange="reversed", zeroline=False),
                     xaxis=dict(title="distance (1 − cosine similarity)", zeroline=False))
    caption = ("Topics joined by average-linkage clustering of their centroid distances: "
               "the further left two topics meet, the closer they are." + _capped_note(data))
    return FigureSpec("hierarchy", "Topic hierarchy", caption, figure)


# ------------------------------------------------------------------------------ time and source


#: Most periods a time view draws: a wider span is binned by months, years or spans of years.
MAX_TIME_BINS = 120


def time_bins(dates: pd.Series) -> tuple[pd.Series, list[str], str]:
    """Bin ISO date strings by the coarsest unit that keeps at most ``MAX_TIME_BINS`` periods.

    Per day when the dates span at most 62 days, else per month, year, or run of years (a
    corpus from 0001 to 9999 gets 120 spans of 84 years, not 120,000 months), so an extreme or
    mistyped date never makes the time views huge. Dates are parsed from the string itself
    (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` prefixes), any year from 1 to 9999.

    Returns
    -------
    bins : pandas.Series
        The bin label of every date (empty when unparsable).
    periods : list of str
        Every bin label from the first to the last date, empty periods included.
    unit : str
        ``"day"``, ``"month"``, ``"year"`` or ``"N years"``.
    """
    import datetime as dt

    def parse(value: object) -> dt.date | None:
        text = str(value or "")
        try:
            if len(text) >= 10:
                return dt.date.fromisoformat(text[:10])
            if len(text) == 7:
                return dt.date(int(text[:4]), int(text[5:7]), 1)
            if len(text) == 4:
                return dt.date(int(text), 1, 1)
        except ValueError:
            return None
        return None

    parsed = [parse(v) for v in dates.tolist()]
    valid = [d for d in parsed if d is not None]
    if not valid:
        return pd.Series([""] * len(dates), index=dates.index), [], "day"
    lo, hi = min(valid), max(valid)
    months = (hi.year - lo.year) * 12 + hi.month - lo.month + 1
    if (hi - lo).days <= 62:
        days = [lo + dt.timedelta(days=i) for i in range((hi - lo).days + 1)]
        labels = [d.isoformat() if d else "" for d in parsed]
        return pd.Series(labels, index=dates.index), [d.isoformat() for d in days], "day"
    if months <= MAX_TIME_BINS:
        month = lambda d: f"{d.year:04d}-{d.month:02d}"  # noqa: E731
        periods = [f"{lo.year + (lo.month - 1 + i) // 12:04d}-{(lo.month - 1 + i) % 12 + 1:02d}" for i in range(months)]
        return pd.Series([month(d) if d else "" for d in parsed], index=dates.index), periods, "month"
    years = hi.year - lo.year + 1
    step = max(1, -(-years // MAX_TIME_BINS))
    start = lo.year - (lo.year - 1) % step if step > 1 else lo.year
    label = (lambda y: f"{y:04d}") if step == 1 else (lambda y: f"{y:04d}-{min(y + step - 1, 9999):04d}")  # noqa: E731
    periods = [label(y) for y in range(start, hi.year + 1, step)]
    bins = [label(start + (d.year - start) // step * step) if d else "" for d in parsed]
    return pd.Series(bins, index=dates.index), periods, "year" if step == 1 else f"{step} years"


def _stacked_topic_bars(data: ReportData, categories: list[str], counts: pd.DataFrame,
                        orientation: str) -> list[go.Bar]:
    colors = topic_colors(data)
    keep = figure_topics(data)
    rest = [t for t in counts.columns if t not in keep]
    if rest:
        other = counts[rest].sum(axis=1).rename(OTHER_TOPICS)
        counts = pd.concat([counts.drop(columns=rest), other], axis=1)
    bars = []
    for tid in sorted(counts.columns, key=lambda t: (t == -1, t == OTHER_TOPICS, t)):
        values = [int(counts.at[c, tid]) if c in counts.index else 0 for c in categories]
        label = _label(data, int(tid)) if tid != OTHER_TOPICS else "other topics"
        kwargs = dict(x=categories, y=values) if orientation == "v" else dict(x=values, y=categories)
        category, value = ("%{x}", "%{y}") if orientation == "v" else ("%{y}", "%{x}")
        hover = f"{category}<br>%{{fullData.name}}: {value} segments<extra></extra>"
        bars.append(go.Bar(name=label, orientation=orientation, marker_color=colors.get(int(tid)),
                           hovertemplate=hover, **kwargs))
    return bars


def topic_counts_over_time(data: ReportData) -> tuple[pd.DataFrame, list[str], str] | None:
    """Dated segments per period (rows, as :func:`time_bins` bins them) and topic (columns).

    Returns ``(counts, periods, unit)``, or ``None`` when no segment has a usable date; the
    periods without segments are not rows of ``counts``.
    """
    if not data.has_dates:
        return None
    frame = data.assignments[data.assignments["date"] != ""]
    bins, periods, unit = time_bins(frame["date"])
    frame = frame.assign(period=bins.to_numpy())
    frame = frame[frame["period"] != ""]
    if frame.empty:
        return None
    return frame.groupby(["period", "topic"]).size().unstack(fill_value=0), periods, unit


def over_time_figure(data: ReportData) -> FigureSpec | None:
    """Segments per topic per month (or per day for short spans), stacked bars."""
    binned = topic_counts_over_time(data)
    if binned is None:
        return None
    counts, periods, unit = binned
    fig = go.Figure(_stacked_topic_bars(data, periods, counts, "v"))
    figure = _finish(fig, 460, barmode="stack", xaxis=dict(type="category", title=unit),
                     yaxis=_count_axis(counts.sum(axis=1).max()), legend=dict(title=dict(text="topic")))
    undated = int((data.assignments["date"] == "").sum())
    note = f" {undated:,} segments without a date are left out." if undated else ""
    caption = f"Segments per topic per {unit}, by the date of their document.{note}"
    return FigureSpec("time", "Topics over time", caption, figure)


def per_document_figure(data: ReportData, max_docs: int = 30) -> FigureSpec | None:
    """Topics within each document (the ``max_docs`` documents with the most segments).

    Skipped when every document is a single segment (nothing to split).
    """
    a = data.assignments
    per_doc = a.groupby("doc_id").size()
    if per_doc.empty or int(per_doc.max()) < 2:
        return None
    top = per_doc.sort_values(ascending=False, kind="stable").head(max_docs).index.tolist()
    sub = a[a["doc_id"].isin(top)]
    counts = sub.groupby(["doc_id", "topic"]).size().unstack(fill_value=0)
    labels, seen = [], set()
    for doc in top:
        label = plotly_text(truncate(doc, 40))
        while label in seen:
            label += "\u200b"  # invisible, keeps categories distinct after truncation
        seen.add(label)
        labels.append(label)
    counts.index = [labels[top.index(d)] for d in counts.index]
    fig = go.Figure(_stacked_topic_bars(data, labels, counts, "h"))
    figure = _finish(fig, _height(len(labels)), barmode="stack",
                     yaxis=dict(autorange="reversed", type="category"),
                     xaxis=_count_axis(counts.sum(axis=1).max()), legend=dict(title=dict(text="topic")))
    more = (f" The {max_docs} documents with the most segments of {len(per_doc):,} are shown."
            if len(per_doc) > max_docs else "")
    caption = "How each document's segments are spread over topics." + more
    return FigureSpec("documents", "Topics per document", caption, figure)


_BUILDERS: tuple[tuple[str, Callable[[ReportData], FigureSpec | None], str], ...] = (
    ("map", map_figure, "No document map: assignments.csv has no x/y coordinates."),
    ("sizes", sizes_figure, "No topics."),
    ("languages", language_heatmap_figure, "No topics."),
    ("similarity", similarity_figure,
     "Topic similarity and hierarchy need at least two topics with a similarity matrix."),
    ("hierarchy", hierarchy_figure, ""),
    ("time", over_time_figure, "No topics over time: no segment has a date."),
    ("documents", per_document_figure,
     "No topics per document: every document is a single segment."),
)


def build_figures(data: ReportData, max_points: int = MAP_MAX_POINTS) -> tuple[list[FigureSpec], list[str]]:
    """Every figure that applies to this run, and a note for each one skipped.

    Parameters
    ----------
    data : ReportData
    max_points : int
        Cap on the number of map points.

    Returns
    -------
    figures : list of FigureSpec
        In report order: map, sizes, languages, similarity, hierarchy, time, documents.
    notes : list of str
        Plain-text reasons for skipped figures.
    """
    figures, notes = [], []
    for key, builder, note in _BUILDERS:
        start = time.perf_counter()
        spec = map_figure(data, max_points=max_points) if builder is map_figure else builder(data)
        log.debug("figure %s built in %.2fs", key, time.perf_counter() - start)
        if spec is not None:
            figures.append(spec)
        elif note:
            notes.append(note)
    return figures, notes
