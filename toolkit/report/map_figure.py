"""The document map: every unit at its 2-D UMAP position, coloured by topic or by language.

The map is WebGL (``scattergl``) at any size. Its points are stored once, as columns
(:data:`FigureSpec.points`): coordinates, a topic index, a language index and the hover text.
The page's script builds both colourings' traces from those columns (the language traces
share the same hover strings), so switching the colouring keeps the text in the hover and
the page does not hold every point twice. :attr:`FigureSpec.figure` holds the same two sets of
traces expanded, for plotly in a notebook.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from toolkit.report.data import ReportData
from toolkit.report.figure_base import (OTHER_TOPICS, OUTLIER_COLOR, FigureSpec, capped_note, figure_topics, finish,
                                        group_rest, language_colors, topic_colors, topic_label)
from toolkit.report.text import plotly_hover, plotly_text, truncate

__all__ = ["WEBGL_THRESHOLD", "MAP_MAX_POINTS", "LARGE_MAP_HOVER_CHARS", "map_points_traces", "map_figure"]

#: Above this many points the hover text is shortened to LARGE_MAP_HOVER_CHARS.
WEBGL_THRESHOLD = 5000
#: Points the interactive map draws at most (a seeded sample beyond). 50,000 points with their
#: hover text draw in about a second and keep a 100,000-unit report under 10 MB (docs/report.md).
MAP_MAX_POINTS = 50_000
#: Hover text length (characters of unit text) on maps of more than WEBGL_THRESHOLD points,
#: against the usual 160.
LARGE_MAP_HOVER_CHARS = 100


def map_points_traces(points: dict) -> list[dict]:
    """Expand :func:`map_figure`'s point columns into plotly traces: one per topic, then one
    per language (hidden), as the page's script does."""
    traces = []
    for mode, column in (("topic", "t"), ("lang", "l")):
        index = np.asarray(points[column], dtype=int)
        for i, group in enumerate(points["groups"][mode]):
            mask = index == i
            traces.append({
                "type": points["type"], "mode": "markers", "name": group["name"],
                "x": np.asarray(points["x"])[mask].tolist(), "y": np.asarray(points["y"])[mask].tolist(),
                "hovertext": np.asarray(points["h"], dtype=object)[mask].tolist(), "hoverinfo": "text",
                "visible": mode == "topic",
                "marker": {"color": group["color"], "size": group["size"], "opacity": group["opacity"]},
            })
    return traces


def map_figure(data: ReportData, max_points: int = MAP_MAX_POINTS, seed: int = 0) -> FigureSpec | None:
    """2-D map of the units coloured by topic, with buttons to colour by language instead.

    At most ``max_points`` units are drawn (a seeded random sample); coordinates are rounded to
    3 decimals and hover texts are truncated, to keep the report small.
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
    limit = 160 if shown <= WEBGL_THRESHOLD else LARGE_MAP_HOVER_CHARS
    hover = [
        f"<b>{plotly_text(truncate(sid, 40))}</b> · {plotly_text(lang)} · "
        f"{plotly_text(truncate(f'{tid}: ' + names.get(tid, ''), 50))}<br>{plotly_hover(text, limit=limit)}"
        for sid, lang, tid, text in zip(frame["id"], frame["lang"], frame["topic"], frame["text"])
    ]

    tcolors = topic_colors(data)
    grouped = group_rest(frame["topic"], figure_topics(data))
    topic_ids = sorted(set(grouped), key=lambda t: (t != -1, t == OTHER_TOPICS, t))  # outliers drawn first
    topic_index = {t: i for i, t in enumerate(topic_ids)}
    topic_groups = [{"name": topic_label(data, int(t)) if t != OTHER_TOPICS else "other topics",
                     "color": tcolors.get(int(t), OUTLIER_COLOR), "size": 4 if t == -1 else 6,
                     "opacity": 0.45 if t == -1 else 0.8} for t in topic_ids]
    lcolors = language_colors(data.languages)
    langs = sorted(set(frame["lang"]))
    lang_index = {lang: i for i, lang in enumerate(langs)}
    lang_groups = [{"name": plotly_text(lang), "color": lcolors.get(lang, "#444"), "size": 6, "opacity": 0.75}
                   for lang in langs]
    points = {
        "type": "scattergl",
        "x": frame["x"].round(3).tolist(), "y": frame["y"].round(3).tolist(),
        "t": [topic_index[t] for t in grouped], "l": [lang_index[lang] for lang in frame["lang"]],
        "h": hover, "groups": {"topic": topic_groups, "lang": lang_groups},
    }
    n_topic, n_lang = len(topic_groups), len(lang_groups)
    menu = dict(type="buttons", direction="right", x=0, y=1.0, xanchor="left", yanchor="bottom",
                pad=dict(r=4, t=4), showactive=True, buttons=[
                    dict(label="Colour by topic", method="update",
                         args=[{"visible": [True] * n_topic + [False] * n_lang}, {"legend.title.text": "topic"}]),
                    dict(label="Colour by language", method="update",
                         args=[{"visible": [False] * n_topic + [True] * n_lang},
                               {"legend.title.text": "language"}]),
                ])
    layout = finish(go.Figure(), 620, updatemenus=[menu],
                    legend=dict(title=dict(text="topic"), itemsizing="constant"),
                    xaxis=dict(showticklabels=False, zeroline=False, title=None),
                    yaxis=dict(showticklabels=False, zeroline=False, title=None),
                    margin=dict(l=10, r=10, t=50, b=10))["layout"]
    sampled = f" A random sample of {shown:,} of {total:,} units is shown." if shown < total else ""
    caption = ("Each point is a unit, placed by a 2-D UMAP of its embedding; nearby points have similar "
               "meaning. Use the buttons to colour by topic or by language, click legend entries to hide "
               "them, hover for the text." + sampled + capped_note(data))
    return FigureSpec("map", "Document map", caption, {"data": map_points_traces(points), "layout": layout},
                      points=points)
