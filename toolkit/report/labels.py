"""What stands behind the topics' names: keyword scores, the topic-count criterion, coherence.

Three pieces of the report, read from the run directory's files alone:

- :func:`keyword_bars_figure`: the c-TF-IDF score of each topic's top keywords, one row of
  bar charts per topic and one column per language (``topics.json``), so a reader sees how
  far the first words stand above the rest in every language;
- :func:`topic_count_figure`: the criterion over every candidate number of topics
  (``manifest.json``: ``topics.clustering.scores``), the chosen count marked;
- :func:`coherence_summary`: what the NPMI figures mean for this run (the reference texts,
  the window, the corpus baseline) and the topics below the baseline (``metrics.json``).
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from toolkit.files import read_json
from toolkit.report.data import ReportData
from toolkit.report.figure_base import FigureSpec, figure_topics, finish, language_colors, topic_full_name
from toolkit.report.text import plotly_text, truncate

__all__ = ["keyword_bars_figure", "topic_count_figure", "coherence_summary", "KEYWORD_BARS_TOPICS",
           "KEYWORD_BARS_WORDS"]

#: Topics drawn in the keyword bars (the largest): a row each.
KEYWORD_BARS_TOPICS = 12

#: Keywords per topic and language in the bars.
KEYWORD_BARS_WORDS = 5


def _scores(data: ReportData) -> dict[int, dict[str, list[tuple[str, float]]]]:
    path = data.run_dir / "topics.json"
    if not path.is_file():
        return {}
    out: dict[int, dict[str, list[tuple[str, float]]]] = {}
    for entry in read_json(path, dict).get("topics", []):
        per: dict[str, list[tuple[str, float]]] = {}
        for lang, words in (entry.get("keywords_by_lang") or {}).items():
            pairs = [(str(w[0]), float(w[1])) for w in words or []
                     if isinstance(w, (list, tuple)) and len(w) == 2 and isinstance(w[1], (int, float))]
            if pairs:
                per[str(lang)] = pairs[:KEYWORD_BARS_WORDS]
        out[int(entry.get("topic", -1))] = per
    return out


def _word(word: str) -> str:
    """A keyword as a tick label: escaped, whitespace joined by hyphens as in topic labels."""
    return plotly_text("-".join(str(word).split()))


def keyword_bars_figure(data: ReportData) -> FigureSpec | None:
    """Bars of keyword scores per topic (rows) and language (columns); ``None`` without scores."""
    scores = _scores(data)
    keep = figure_topics(data)
    topics = [t.topic for t in data.real_topics if t.topic in keep and scores.get(t.topic)][:KEYWORD_BARS_TOPICS]
    langs = [lang for lang in data.languages if any(scores[t].get(lang) for t in topics)]
    if not topics or not langs:
        return None
    colors = language_colors(data.languages)
    titles = [truncate(f"{t}: {lang}", 40) for t in topics for lang in langs]
    fig = make_subplots(rows=len(topics), cols=len(langs), subplot_titles=[plotly_text(x) for x in titles],
                        horizontal_spacing=0.08, vertical_spacing=min(0.04, 0.6 / len(topics)))
    for r, t in enumerate(topics, start=1):
        for c, lang in enumerate(langs, start=1):
            pairs = scores[t].get(lang, [])
            fig.add_trace(go.Bar(
                x=[round(s, 4) for _, s in pairs], y=[_word(w) for w, _ in pairs], orientation="h",
                marker_color=colors[lang], showlegend=False, name=plotly_text(lang),
                customdata=[topic_full_name(data, t)] * len(pairs),
                hovertemplate="%{customdata}<br>%{y}: %{x}<extra>" + plotly_text(lang) + "</extra>"), row=r, col=c)
            fig.update_yaxes(autorange="reversed", row=r, col=c)
    figure = finish(fig, 60 + 130 * len(topics))
    caption = (f"The c-TF-IDF score of each topic's first {KEYWORD_BARS_WORDS} keywords in every language, "
               f"for the {len(topics)} largest topics. Words spread over many topics of a language are "
               "already left out (topics.max_word_spread); a label takes its words from these lists, in "
               "proportion to the topic's units in each language.")
    return FigureSpec("keyword_scores", "Keyword scores by topic and language", caption, figure)


def topic_count_figure(data: ReportData) -> FigureSpec | None:
    """The criterion over the candidate topic counts; ``None`` when the run chose no count."""
    clustering = (data.manifest.get("topics") or {}).get("clustering") or {}
    raw = clustering.get("scores") or clustering.get("silhouette")
    if not isinstance(raw, dict) or len(raw) < 2:
        return None
    points = sorted((int(k), float(v)) for k, v in raw.items())
    chosen = clustering.get("n_clusters_fitted")
    best = clustering.get("best_count")
    fig = go.Figure(go.Scatter(x=[k for k, _ in points], y=[v for _, v in points], mode="lines+markers",
                               name="criterion", hovertemplate="%{x} topics: %{y:.4f}<extra></extra>"))
    marks = {int(best): "best by the criterion"} if best is not None else {}
    if chosen is not None and int(chosen) not in marks:
        marks[int(chosen)] = "fitted"
    for k, what in marks.items():
        score = dict(points).get(k)
        if score is not None:
            fig.add_trace(go.Scatter(x=[k], y=[score], mode="markers", marker=dict(size=12, symbol="diamond"),
                                     name=f"{k} topics ({what})"))
    criterion = clustering.get("criterion") or "silhouette"
    figure = finish(fig, 320, xaxis=dict(title="topics", type="log" if points[-1][0] > 60 else "linear"),
                    yaxis=dict(title=criterion))
    caption = (f"The {criterion} of every candidate number of topics ({points[0][0]} to {points[-1][0]}, "
               "no cap beyond one topic per clustering.min_size units); the best one is kept. Other levels "
               "of the same tree: clustering.n_clusters at fit time; a coarser one afterwards with "
               "topicbridge curate RUN --level N (TopicBridge.set_level).")
    return FigureSpec("topic_count", "How many topics", caption, figure)


def coherence_summary(data: ReportData) -> dict[str, Any] | None:
    """The NPMI of the run with what it means, or ``None`` when coherence was not measured.

    Returns
    -------
    dict or None
        ``npmi``, ``baseline``, ``window``, ``texts``, ``text`` (one paragraph for the
        reader) and ``below`` (``[(topic id, name, npmi, baseline)]``, lowest first).
    """
    m = data.metrics
    if m.get("npmi") is None:
        return None
    baseline, window, texts = m.get("npmi_baseline"), m.get("npmi_window"), m.get("npmi_reference_texts")
    reference = (f"windows of up to {window} consecutive units of one document, one language at a time"
                 if window and window > 1 else "single units (no document has several), one language at a time")
    text = (f"NPMI measures how much more often a topic's top words occur together than chance would have "
            f"them, from -1 (never together) through 0 (independent) to 1 (always together). It is counted "
            f"over {texts or '?'} reference texts: {reference}. Short texts give low values for any word list, "
            "so read it against the corpus baseline: the NPMI of random lists of topic words in the same "
            "language.")
    if baseline is not None:
        text += (f" Here the topics score {m['npmi']:.3f} against a baseline of {baseline:.3f}"
                 f" ({'above' if m['npmi'] > baseline else 'not above'} chance).")
    below = []
    for tid, rec in (m.get("per_topic") or {}).items():
        if isinstance(rec, dict) and rec.get("below_baseline"):
            below.append((int(tid), topic_full_name(data, int(tid)), rec.get("npmi"), rec.get("npmi_baseline")))
    below.sort(key=lambda row: (row[2] if row[2] is not None else 0.0))
    return {"npmi": m["npmi"], "baseline": baseline, "window": window, "texts": texts, "text": text, "below": below}
