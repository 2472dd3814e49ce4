"""Figures of the topics as a whole: the intertopic distance map and topics against gold labels.

The distance map places each topic by classical multidimensional scaling of its centroid
distances (``1 − cosine similarity`` from ``topics.json``), a bubble
per topic sized by its units, like BERTopic's ``visualize_topics``. The label view counts the
units of each topic per gold label (``assignments.csv`` ``label``), as a heatmap of the share
of each topic's units with the counts in the cells: it is the topic × label table too.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from toolkit.report.data import ReportData
from toolkit.report.figure_base import (FigureSpec, capped_note, figure_height, figure_topics, finish, topic_colors,
                                        topic_full_name, topic_label)
from toolkit.report.text import plotly_text, truncate
from toolkit.report.topic_figures import distance_matrix, figure_similarity

__all__ = ["MAX_LABELS", "classical_mds", "distance_map_figure", "label_counts", "labels_figure"]

#: Gold labels the label view draws as columns (the most frequent; the rest are one column).
MAX_LABELS = 40


def classical_mds(dist: np.ndarray, n_components: int = 2) -> np.ndarray:
    """Classical (Torgerson) MDS: the top eigenvectors of the double-centred squared distances.

    Written here rather than taken from scikit-learn because its ``MDS`` arguments changed
    between the versions we support (1.4 to 1.9) and the iterative SMACOF it runs depends on
    its random start; this is deterministic (signs fixed) and exact for a few hundred topics.
    """
    d2 = np.asarray(dist, dtype=float) ** 2
    n = len(d2)
    centre = np.eye(n) - np.full((n, n), 1.0 / n)
    gram = -0.5 * centre @ d2 @ centre
    values, vectors = np.linalg.eigh((gram + gram.T) / 2)
    order = np.argsort(values)[::-1][:n_components]
    coords = vectors[:, order] * np.sqrt(np.clip(values[order], 0.0, None))
    signs = np.sign(coords[np.argmax(np.abs(coords), axis=0), range(coords.shape[1])])
    return coords * np.where(signs == 0, 1.0, signs)


def distance_map_figure(data: ReportData) -> FigureSpec | None:
    """Topics as bubbles placed by MDS of their centroid distances, sized by their units."""
    ids, sim = figure_similarity(data)
    if sim is None or len(ids) < 3:
        return None
    dist = distance_matrix(sim)
    coords = classical_mds(dist)
    sizes = np.array([data.topic(t).size if data.topic(t) is not None else 0 for t in ids], dtype=float)
    scale = 60.0 / np.sqrt(max(sizes.max(), 1.0))
    colors = topic_colors(data)
    hover = []
    for t in ids:
        topic = data.topic(t)
        words = ", ".join(topic.keywords[:8]) if topic is not None else ""
        hover.append(f"<b>{topic_full_name(data, t)}</b><br>{int(topic.size if topic else 0):,} units"
                     + (f"<br>{plotly_text(truncate(words, 120))}" if words else ""))
    fig = go.Figure(go.Scatter(
        x=coords[:, 0].round(4).tolist(), y=coords[:, 1].round(4).tolist(), mode="markers+text",
        text=[str(t) for t in ids], textposition="middle center", hovertext=hover, hoverinfo="text",
        marker=dict(size=np.maximum(8.0, np.sqrt(sizes) * scale).round(1).tolist(),
                    color=[colors.get(t) for t in ids], opacity=0.6, line=dict(color="#333", width=0.6)),
        showlegend=False))
    figure = finish(fig, 560, xaxis=dict(showticklabels=False, zeroline=False, title=None),
                    yaxis=dict(showticklabels=False, zeroline=False, title=None, scaleanchor="x"))
    caption = ("Each bubble is a topic (its number inside), sized by its units and placed so that distances "
               "approximate the distances between topic centroids (MDS of 1 − cosine similarity). Overlapping "
               "bubbles are candidates to merge; hover for the keywords." + capped_note(data))
    return FigureSpec("distance", "Intertopic distance map", caption, figure)


def label_counts(data: ReportData) -> tuple[list[int], list[str], np.ndarray] | None:
    """Topic ids (rows), gold labels (columns, the MAX_LABELS most frequent then ``other labels``)
    and the units of each pair; ``None`` without gold labels."""
    a = data.assignments
    labelled = a[a["label"].astype(str).str.strip() != ""]
    if labelled.empty:
        return None
    keep = figure_topics(data)
    labelled = labelled[labelled["topic"].isin(list(keep))]
    frequent = labelled["label"].value_counts()
    cols = sorted(frequent.index[:MAX_LABELS].tolist())
    label = labelled["label"].where(labelled["label"].isin(cols), "other labels")
    if (label == "other labels").any():
        cols.append("other labels")
    table = labelled.assign(label=label).groupby(["topic", "label"]).size().unstack(fill_value=0)
    rows = [t.topic for t in data.topics if t.topic in table.index]
    return rows, cols, table.reindex(index=rows, columns=cols, fill_value=0).to_numpy()


def labels_figure(data: ReportData) -> FigureSpec | None:
    """Topic x gold label heatmap: each topic's units per label (counts in the cells, colour the
    share of the topic)."""
    counted = label_counts(data)
    if counted is None:
        return None
    rows, cols, counts = counted
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    names = [topic_full_name(data, t) for t in rows]
    fig = go.Figure(go.Heatmap(
        z=share.round(3).tolist(), x=[plotly_text(truncate(c, 30)) for c in cols], y=[topic_label(data, t) for t in rows],
        text=counts.astype(int).tolist(), texttemplate="%{text}", zmin=0, zmax=1, colorscale="Greens",
        customdata=[[[name, plotly_text(c)] for c in cols] for name in names],
        colorbar=dict(title=dict(text="share of topic"), tickformat=".0%"),
        hovertemplate="%{customdata[0]}<br>label %{customdata[1]}: %{text} units (%{z:.0%} of the topic)"
                      "<extra></extra>"))
    figure = finish(fig, figure_height(len(rows)), yaxis=dict(autorange="reversed", type="category"),
                    xaxis=dict(side="top", type="category", tickangle=-30))
    caption = ("Units of each topic per gold label (assignments.csv label), as counts; the colour is the share "
               "of the topic's units. A topic that matches one label has one dark cell in its row; a label split "
               "over several topics has several in its column." + capped_note(data))
    return FigureSpec("labels", "Topics and gold labels", caption, figure)
