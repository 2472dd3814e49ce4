"""Topics over time: dates binned to at most ``MAX_TIME_BINS`` periods, and the figure of them."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from toolkit.report.data import ReportData
from toolkit.report.figure_base import FigureSpec, count_axis, finish, stacked_topic_bars

__all__ = ['MAX_TIME_BINS', 'time_bins', 'topic_counts_over_time', 'over_time_figure']

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
    fig = go.Figure(stacked_topic_bars(data, periods, counts, "v"))
    figure = finish(fig, 460, barmode="stack", xaxis=dict(type="category", title=unit),
                     yaxis=count_axis(counts.sum(axis=1).max()), legend=dict(title=dict(text="topic")))
    undated = int((data.assignments["date"] == "").sum())
    note = f" {undated:,} segments without a date are left out." if undated else ""
    caption = f"Segments per topic per {unit}, by the date of their document.{note}"
    return FigureSpec("time", "Topics over time", caption, figure)
