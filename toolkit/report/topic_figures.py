"""Figures of the topics themselves: sizes, language mix, centroid similarity and hierarchy."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative
from scipy.cluster.hierarchy import dendrogram, linkage
from scipy.spatial.distance import squareform

from toolkit.report.data import ReportData
from toolkit.report.figure_base import (FigureSpec, capped_note, count_axis, figure_height, figure_topics, finish,
                                        language_colors, topic_label)
from toolkit.report.text import plotly_text

__all__ = ['sizes_figure', 'language_heatmap_figure', 'distance_matrix', 'topic_order', 'figure_similarity', 'similarity_figure', 'hierarchy_figure']

def sizes_figure(data: ReportData) -> FigureSpec | None:
    """Horizontal bars of topic sizes, stacked by language (outliers included)."""
    if not data.topics:
        return None
    keep = figure_topics(data)
    topics = [t for t in data.topics if t.topic in keep]
    labels = [topic_label(data, t.topic) for t in topics]
    lcolors = language_colors(data.languages)
    fig = go.Figure([
        go.Bar(y=labels, x=[t.sizes.get(lang, 0) for t in topics], name=plotly_text(lang),
               orientation="h", marker_color=lcolors[lang],
               hovertemplate="%{y}<br>%{fullData.name}: %{x}<extra></extra>")
        for lang in data.languages
    ])
    figure = finish(fig, figure_height(len(labels)), barmode="stack",
                     yaxis=dict(autorange="reversed", type="category"),
                     xaxis=count_axis(max((t.size for t in topics), default=0)),
                     legend=dict(title=dict(text="language"), traceorder="normal"))
    return FigureSpec("sizes", "Topic sizes",
                      "Number of segments per topic, split by language." + capped_note(data), figure)


def language_heatmap_figure(data: ReportData) -> FigureSpec | None:
    """Topic x language heatmap: the share of each language in each topic."""
    if not data.topics or not data.languages:
        return None
    keep = figure_topics(data)
    topics = [t for t in data.topics if t.topic in keep]
    labels = [topic_label(data, t.topic) for t in topics]
    counts = np.array([[t.sizes.get(lang, 0) for lang in data.languages] for t in topics],
                      dtype=float)
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    fig = go.Figure(go.Heatmap(
        z=share.round(3).tolist(), x=[plotly_text(lang) for lang in data.languages], y=labels,
        customdata=counts.astype(int).tolist(), zmin=0, zmax=1, colorscale="Blues",
        texttemplate="%{z:.0%}", colorbar=dict(title=dict(text="share"), tickformat=".0%"),
        hovertemplate="%{y}<br>%{x}: %{customdata} segments (%{z:.0%})<extra></extra>"))
    figure = finish(fig, figure_height(len(labels)), yaxis=dict(autorange="reversed", type="category"),
                     xaxis=dict(side="top", type="category"))
    caption = ("Share of each language within each topic (rows sum to 100%). A topic that "
               "crosses languages has several non-zero cells; a topic that is 100% one language "
               "may be a language artefact rather than a theme." + capped_note(data))
    return FigureSpec("languages", "Topics by language", caption, figure)


def distance_matrix(sim: np.ndarray) -> np.ndarray:
    sim = np.nan_to_num(np.asarray(sim, dtype=float), nan=0.0)
    dist = np.clip(1.0 - (sim + sim.T) / 2.0, 0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    return dist


def topic_order(data: ReportData) -> tuple[list[int], np.ndarray | None]:
    """Topic ids of the similarity matrix in dendrogram leaf order, and the linkage matrix.

    Returns the ids in stored order and ``None`` when there are fewer than two topics.
    """
    ids, sim = figure_similarity(data)
    if sim is None or len(ids) < 2:
        return ids, None
    z = linkage(squareform(distance_matrix(sim), checks=False), method="average")
    leaves = dendrogram(z, no_plot=True)["leaves"]
    return [ids[i] for i in leaves], z


def figure_similarity(data: ReportData) -> tuple[list[int], np.ndarray | None]:
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
    ids, full = figure_similarity(data)
    if z is None or full is None:
        return None
    index = {t: i for i, t in enumerate(ids)}
    pos = [index[t] for t in order]
    sim = np.nan_to_num(full)[np.ix_(pos, pos)]
    labels = [topic_label(data, t) for t in order]
    # Full labels on the rows; ids on the columns keep the matrix square and readable.
    fig = go.Figure(go.Heatmap(z=sim.round(3).tolist(), x=[str(t) for t in order], y=labels,
                               colorscale="Viridis", colorbar=dict(title=dict(text="cosine")),
                               hovertemplate="%{y}<br>topic %{x}<br>similarity %{z:.2f}"
                                             "<extra></extra>"))
    size = figure_height(len(labels), per_row=20, base=120, minimum=360)
    figure = finish(fig, size, yaxis=dict(autorange="reversed", type="category"),
                     xaxis=dict(type="category", title="topic", tickangle=0,
                                showticklabels=len(labels) <= 80))
    caption = ("Cosine similarity of topic centroid embeddings, in the order of the hierarchy "
               "below; bright off-diagonal blocks are topics that could be merged." + capped_note(data))
    return FigureSpec("similarity", "Topic similarity", caption, figure)


def hierarchy_figure(data: ReportData) -> FigureSpec | None:
    """Dendrogram (average linkage on 1 - similarity) of the topics."""
    _, z = topic_order(data)
    if z is None:
        return None
    ids, _ = figure_similarity(data)
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
    figure = finish(fig, figure_height(len(leaf_ids), per_row=20, base=80),
                     yaxis=dict(tickvals=ticks, ticktext=[topic_label(data, t) for t in leaf_ids],
                                autorange="reversed", zeroline=False),
                     xaxis=dict(title="distance (1 − cosine similarity)", zeroline=False))
    caption = ("Topics joined by average-linkage clustering of their centroid distances: "
               "the further left two topics meet, the closer they are." + capped_note(data))
    return FigureSpec("hierarchy", "Topic hierarchy", caption, figure)
