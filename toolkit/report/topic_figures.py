"""Figures of the topics themselves: sizes, language mix, centroid similarity and hierarchy."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import qualitative
from scipy.cluster.hierarchy import dendrogram, linkage
from scipy.spatial.distance import squareform

from toolkit.report.data import ReportData
from toolkit.report.figure_base import (FigureSpec, capped_note, count_axis, figure_height, figure_topics, finish,
                                        language_colors, topic_full_name, topic_label)
from toolkit.report.text import plotly_text

__all__ = ['node_words', 'sizes_figure', 'language_heatmap_figure', 'distance_matrix', 'topic_order', 'figure_similarity', 'similarity_figure', 'hierarchy_figure']

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
               customdata=[topic_full_name(data, t.topic) for t in topics],
               hovertemplate="%{customdata}<br>%{fullData.name}: %{x}<extra></extra>")
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
        customdata=[[[int(n), topic_full_name(data, t.topic)] for n in row] for t, row in zip(topics, counts)],
        zmin=0, zmax=1, colorscale="Blues",
        texttemplate="%{z:.0%}", colorbar=dict(title=dict(text="share"), tickformat=".0%"),
        hovertemplate="%{customdata[1]}<br>%{x}: %{customdata[0]} units (%{z:.0%})<extra></extra>"))
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
    caption = ("Cosine similarity of topic centroid embeddings, in the order of the topic tree "
               "below; bright off-diagonal blocks are topics that could be merged." + capped_note(data))
    return FigureSpec("similarity", "Topic similarity", caption, figure)


def node_words(data: ReportData, members: list[int], top: int = 6) -> list[str]:
    """The words of a tree node: the keywords most of its topics share (in more of them first,
    then by their best rank in any)."""
    counts: dict[str, int] = {}
    rank: dict[str, int] = {}
    for tid in members:
        topic = data.topic(tid)
        for i, word in enumerate(topic.keywords[:10] if topic is not None else []):
            counts[word] = counts.get(word, 0) + 1
            rank[word] = min(rank.get(word, i), i)
    return sorted(counts, key=lambda w: (-counts[w], rank[w], w))[:top]


def hierarchy_figure(data: ReportData) -> FigureSpec | None:
    """The topic tree: a dendrogram (average linkage on 1 - similarity) whose every join shows,
    on hover, the topics below it and the words they share."""
    _, z = topic_order(data)
    if z is None:
        return None
    ids, _ = figure_similarity(data)
    n = len(ids)
    # Branches below the cut scipy colours by (70% of the largest join) share a colour; the
    # joins above it are grey.
    cut = 0.7 * float(np.max(z[:, 2])) if len(z) else 0.0
    tree = dendrogram(z, no_plot=True, labels=list(range(n)), color_threshold=cut, above_threshold_color="C0")
    palette = list(qualitative.Plotly)
    segments: dict[str, tuple[list, list]] = {}
    for xs, ys, color in zip(tree["dcoord"], tree["icoord"], tree["color_list"]):
        bucket = segments.setdefault(color, ([], []))
        bucket[0].extend(list(xs) + [None])
        bucket[1].extend(list(ys) + [None])
    traces = []
    for color, (xs, ys) in sorted(segments.items()):
        line = "#9a9a9a" if color == "C0" else palette[int(color[1:]) % len(palette)] if color[1:].isdigit() else "#777"
        traces.append(go.Scatter(x=[None if v is None else round(v, 4) for v in xs],
                                 y=ys, mode="lines", line=dict(color=line, width=1.6),
                                 hoverinfo="skip", showlegend=False))
    leaf_ids = [ids[int(i)] for i in tree["ivl"]]
    # Node positions as scipy places them: leaves at 5, 15, 25, ...; a join midway between its two
    # children, at its distance.
    pos = {int(leaf): 5.0 + 10 * i for i, leaf in enumerate(tree["ivl"])}
    members: dict[int, list[int]] = {i: [ids[i]] for i in range(n)}
    node_x, node_y, node_text = [], [], []
    for k, (a, b, dist, _) in enumerate(z):
        a, b = int(a), int(b)
        node = n + k
        pos[node] = (pos[a] + pos[b]) / 2
        members[node] = members[a] + members[b]
        below = ", ".join(map(str, sorted(members[node])[:12])) + (" …" if len(members[node]) > 12 else "")
        words = ", ".join(node_words(data, members[node]))
        node_x.append(round(float(dist), 4))
        node_y.append(pos[node])
        node_text.append(f"joins topics {plotly_text(below)} at distance {dist:.2f}"
                         + (f"<br>shared words: {plotly_text(words)}" if words else ""))
    traces.append(go.Scatter(x=node_x, y=node_y, mode="markers", hovertext=node_text, hoverinfo="text",
                             marker=dict(size=7, color="#444", symbol="circle"), showlegend=False))
    fig = go.Figure(traces)
    figure = finish(fig, figure_height(len(leaf_ids), per_row=20, base=80),
                    yaxis=dict(tickvals=[pos[int(i)] for i in tree["ivl"]],
                               ticktext=[topic_label(data, t) for t in leaf_ids], autorange="reversed", zeroline=False),
                    xaxis=dict(title="distance (1 − cosine similarity)", zeroline=False))
    caption = ("Topics joined by average-linkage clustering of their centroid distances: the further left two "
               "topics meet, the closer they are. Hover a join (dot) for the topics below it and the words they "
               f"share. Coloured branches are groups that join below {cut:.2f} (70% of the largest distance); "
               "grey lines join those groups." + capped_note(data))
    return FigureSpec("hierarchy", "Topic tree", caption, figure)
