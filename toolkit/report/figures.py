"""Every interactive figure of the HTML report, in report order.

The builders live in modules named for what they draw (:mod:`~toolkit.report.map_figure`,
:mod:`~toolkit.report.topic_figures`, :mod:`~toolkit.report.time_figures`,
:mod:`~toolkit.report.document_figures`) on the shared pieces of
:mod:`~toolkit.report.figure_base`; this module lists them (``BUILDERS``) and builds the ones
that apply. Its names are re-exported here so ``toolkit.report.figures`` stays the one import.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from toolkit.report.data import ReportData
from toolkit.report.document_figures import per_document_figure
from toolkit.report.figure_base import (FIGURE_TOPICS, OTHER_TOPICS, OUTLIER_COLOR, FigureSpec, figure_topics,
                                        language_colors, shared_template, topic_axis_label, topic_colors)
from toolkit.report.labels import keyword_bars_figure, topic_count_figure
from toolkit.report.map_figure import LARGE_MAP_HOVER_CHARS, MAP_MAX_POINTS, WEBGL_THRESHOLD, map_figure
from toolkit.report.overview_figures import distance_map_figure, labels_figure
from toolkit.report.time_figures import (MAX_TIME_BINS, over_time_by_language_figure, over_time_figure, time_bins,
                                         topic_counts_over_time)
from toolkit.report.topic_figures import (hierarchy_figure, language_heatmap_figure, similarity_figure, sizes_figure,
                                          topic_order)

__all__ = [
    "FigureSpec", "OUTLIER_COLOR", "FIGURE_TOPICS", "OTHER_TOPICS", "MAP_MAX_POINTS", "WEBGL_THRESHOLD",
    "LARGE_MAP_HOVER_CHARS", "MAX_TIME_BINS", "topic_colors", "language_colors", "topic_axis_label",
    "figure_topics", "topic_order", "time_bins", "topic_counts_over_time", "shared_template", "map_figure",
    "sizes_figure", "language_heatmap_figure", "similarity_figure", "hierarchy_figure", "over_time_figure",
    "per_document_figure", "distance_map_figure", "labels_figure", "over_time_by_language_figure", "BUILDERS",
    "build_figures",
]

log = logging.getLogger(__name__)

BUILDERS: tuple[tuple[str, Callable[[ReportData], FigureSpec | None], str], ...] = (
    ("map", map_figure, "No document map: assignments.csv has no x/y coordinates."),
    ("sizes", sizes_figure, "No topics."),
    ("languages", language_heatmap_figure, "No topics."),
    ("similarity", similarity_figure,
     "Topic similarity and hierarchy need at least two topics with a similarity matrix."),
    ("hierarchy", hierarchy_figure, ""),
    ("topic_count", topic_count_figure, ""),
    ("keyword_scores", keyword_bars_figure, "No keyword scores: topics.json has no weighted keywords."),
    ("distance", distance_map_figure, "No intertopic distance map: it needs at least three topics."),
    ("labels", labels_figure, "No topics against gold labels: assignments.csv has no label."),
    ("time", over_time_figure, "No topics over time: no segment has a date."),
    ("time_languages", over_time_by_language_figure,
     "No topics over time by language: dated units in fewer than two languages."),
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
        In report order: map, sizes, languages, similarity, hierarchy (the topic tree), distance,
        labels, time, time_languages, documents.
    notes : list of str
        Plain-text reasons for skipped figures.
    """
    figures, notes = [], []
    for key, builder, note in BUILDERS:
        start = time.perf_counter()
        spec = map_figure(data, max_points=max_points) if builder is map_figure else builder(data)
        log.debug("figure %s built in %.2fs", key, time.perf_counter() - start)
        if spec is not None:
            figures.append(spec)
        elif note:
            notes.append(note)
    return figures, notes
