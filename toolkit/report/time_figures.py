"""Topics over time: dates binned to at most ``MAX_TIME_BINS`` periods, and the figure of them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from toolkit.report.data import ReportData
from toolkit.report.figure_base import (OTHER_TOPICS, FigureSpec, count_axis, figure_topics, finish, group_rest,
                                        stacked_topic_bars, topic_colors, topic_full_name, topic_label)
from toolkit.report.period_words import period_keywords
from toolkit.report.text import plotly_text

__all__ = ['MAX_TIME_BINS', 'TIME_LANGUAGES', 'time_bins', 'dated_units', 'topic_counts_over_time',
           'over_time_figure', 'over_time_by_language_figure']

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


def dated_units(data: ReportData) -> tuple[pd.DataFrame, list[str], str] | None:
    """The dated units with their ``period`` (as :func:`time_bins` bins them), every period,
    and the unit; ``None`` when no unit has a usable date."""
    if not data.has_dates:
        return None
    frame = data.assignments[data.assignments["date"] != ""]
    bins, periods, unit = time_bins(frame["date"])
    frame = frame.assign(period=bins.to_numpy())
    frame = frame[frame["period"] != ""]
    if frame.empty:
        return None
    return frame, periods, unit


def topic_counts_over_time(data: ReportData) -> tuple[pd.DataFrame, list[str], str] | None:
    """Dated segments per period (rows, as :func:`time_bins` bins them) and topic (columns).

    Returns ``(counts, periods, unit)``, or ``None`` when no segment has a usable date; the
    periods without segments are not rows of ``counts``.
    """
    dated = dated_units(data)
    if dated is None:
        return None
    frame, periods, unit = dated
    return frame.groupby(["period", "topic"]).size().unstack(fill_value=0), periods, unit


def _count_share_menu() -> dict:
    return dict(type="buttons", direction="right", x=0, y=1.0, xanchor="left", yanchor="bottom",
                pad=dict(r=4, t=4), showactive=True, buttons=[
                    dict(label="Units", method="relayout", args=[{"barnorm": "", "yaxis.title.text": "units"}]),
                    dict(label="Share of the period", method="relayout",
                         args=[{"barnorm": "percent", "yaxis.title.text": "% of the period's units"}]),
                ])


def over_time_figure(data: ReportData) -> FigureSpec | None:
    """Units per topic per period, stacked bars, as counts or shares of the period, each bar's
    hover naming the words of that topic in that period."""
    dated = dated_units(data)
    if dated is None:
        return None
    frame, periods, unit = dated
    counts = frame.groupby(["period", "topic"]).size().unstack(fill_value=0)
    words = period_keywords(data, frame)
    fig = go.Figure(stacked_topic_bars(data, periods, counts, "v", words=words))
    figure = finish(fig, 480, barmode="stack", xaxis=dict(type="category", title=unit),
                    yaxis=count_axis(counts.sum(axis=1).max()), legend=dict(title=dict(text="topic")),
                    updatemenus=[_count_share_menu()], margin=dict(l=10, r=10, t=50, b=40))
    undated = int((data.assignments["date"] == "").sum())
    note = f" {undated:,} units without a date are left out." if undated else ""
    caption = (f"Units per topic per {unit}, by the date of their document; the buttons switch to each topic's "
               f"share of the {unit}. Hover a bar for the topic's words in that {unit}.{note}")
    return FigureSpec("time", "Topics over time", caption, figure)


#: Languages the by-language time view draws (the largest; one row each).
TIME_LANGUAGES = 6


def over_time_by_language_figure(data: ReportData) -> FigureSpec | None:
    """Each topic's share of the units of one language per period, one row per language."""
    dated = dated_units(data)
    if dated is None or len(data.languages) < 2:
        return None
    frame, periods, unit = dated
    langs = frame["lang"].value_counts().index.tolist()[:TIME_LANGUAGES]
    if len(langs) < 2:
        return None
    frame = frame.assign(topic=group_rest(frame["topic"], figure_topics(data)))
    colors = topic_colors(data)
    fig = make_subplots(rows=len(langs), cols=1, shared_xaxes=True, vertical_spacing=0.04,
                        subplot_titles=[plotly_text(lang) for lang in langs])
    topic_ids = sorted(set(frame["topic"]), key=lambda t: (t == -1, t == OTHER_TOPICS, t))
    for row, lang in enumerate(langs, start=1):
        part = frame[frame["lang"] == lang]
        counts = part.groupby(["period", "topic"]).size().unstack(fill_value=0).reindex(periods, fill_value=0)
        totals = counts.sum(axis=1).replace(0, np.nan)
        for tid in topic_ids:
            values = counts[tid] if tid in counts.columns else pd.Series(0, index=counts.index)
            share = (values / totals).fillna(0).round(4).tolist()
            name = topic_label(data, int(tid)) if tid != OTHER_TOPICS else "other topics"
            full = topic_full_name(data, int(tid)) if tid != OTHER_TOPICS else "other topics"
            fig.add_trace(go.Bar(x=periods, y=share, name=name, legendgroup=str(tid), showlegend=row == 1,
                                 marker_color=colors.get(int(tid)), meta=full, customdata=values.astype(int).tolist(),
                                 hovertemplate=f"{plotly_text(lang)} · %{{x}}<br>%{{meta}}: %{{y:.0%}} "
                                               "(%{customdata} units)<extra></extra>"), row=row, col=1)
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    fig.update_xaxes(type="category")
    figure = finish(fig, 160 + 170 * len(langs), barmode="stack", legend=dict(title=dict(text="topic")))
    caption = (f"Each topic's share of one language's units per {unit}: a theme that rises in one language "
               "and not in the others shows here. Clicking a topic in the legend hides it in every row.")
    return FigureSpec("time_languages", "Topics over time by language", caption, figure)
