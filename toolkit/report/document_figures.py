"""Topics within documents: how each document's units are spread over the topics."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from toolkit.report.data import ReportData
from toolkit.report.figure_base import FigureSpec, count_axis, figure_height, finish, stacked_topic_bars
from toolkit.report.text import plotly_text, truncate

__all__ = ['document_name', 'per_document_figure']

def document_name(units: pd.DataFrame, limit: int = 48) -> str:
    """How a document is named in figures: its language and title (a ``title`` column of
    assignments.csv, from the corpus metadata) or else the first words of its first unit;
    the id when it has no text."""
    first = units.iloc[0]
    title = str(first.get("title", "") or "").strip()
    text = title or str(first.get("text", "") or "").strip() or str(first["doc_id"])
    lang = str(first.get("lang", "") or "")
    return (f"{lang} · " if lang else "") + truncate(text, limit)


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
        label = plotly_text(document_name(sub[sub["doc_id"] == doc]))
        while label in seen:
            label += "\u200b"  # invisible, keeps categories distinct after truncation
        seen.add(label)
        labels.append(label)
    counts.index = [labels[top.index(d)] for d in counts.index]
    fig = go.Figure(stacked_topic_bars(data, labels, counts, "h"))
    figure = finish(fig, figure_height(len(labels)), barmode="stack",
                     yaxis=dict(autorange="reversed", type="category"),
                     xaxis=count_axis(counts.sum(axis=1).max()), legend=dict(title=dict(text="topic")))
    more = (f" The {max_docs} documents with the most segments of {len(per_doc):,} are shown."
            if len(per_doc) > max_docs else "")
    caption = ("How each document's units are spread over topics; documents are named by language and "
               "title or first words." + more)
    return FigureSpec("documents", "Topics per document", caption, figure)
