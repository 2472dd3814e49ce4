"""The document map: every unit at its 2-D UMAP position, coloured by topic or by language."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from toolkit.report.data import ReportData
from toolkit.report.figure_base import (OTHER_TOPICS, OUTLIER_COLOR, FigureSpec, capped_note, figure_topics, finish,
                                        group_rest, language_colors, topic_colors, topic_label)
from toolkit.report.text import plotly_hover, plotly_text, truncate

__all__ = ['WEBGL_THRESHOLD', 'MAP_MAX_POINTS', 'LARGE_MAP_HOVER_CHARS', 'map_figure']

#: Above this many map points the map uses WebGL (scattergl) instead of SVG.
WEBGL_THRESHOLD = 5000
#: Points the interactive map draws at most (a seeded sample beyond). Each point stores its
#: hover text (about 300 to 600 bytes); 20,000 points made a 14 MB report at 100k segments.
MAP_MAX_POINTS = 10_000
#: Hover text length (characters of segment text) on maps of more than WEBGL_THRESHOLD
#: points, against the usual 160: keeps the page under 10 MB at any corpus size.
LARGE_MAP_HOVER_CHARS = 100



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
    grouped = group_rest(frame["topic"], figure_topics(data))
    topic_ids = sorted(set(grouped), key=lambda t: (t != -1, t == OTHER_TOPICS, t))  # outliers drawn first
    for tid in topic_ids:
        mask = (grouped == tid).to_numpy()
        traces.append(scatter(
            x=xs[mask].tolist(), y=ys[mask].tolist(), mode="markers",
            name=topic_label(data, tid) if tid != OTHER_TOPICS else "other topics",
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
    figure = finish(fig, 620, updatemenus=[menu], legend=dict(title=dict(text="topic"),
                                                               itemsizing="constant"),
                     xaxis=dict(showticklabels=False, zeroline=False, title=None),
                     yaxis=dict(showticklabels=False, zeroline=False, title=None),
                     margin=dict(l=10, r=10, t=50, b=10))
    sampled = f" A random sample of {shown:,} of {total:,} segments is shown." if shown < total else ""
    caption = ("Each point is a segment, placed by a 2-D UMAP of its embedding; nearby points "
               "have similar meaning. Use the buttons to colour by topic or by language, click "
               "legend entries to hide them, hover for the text." + sampled + capped_note(data))
    return FigureSpec("map", "Document map", caption, figure)
