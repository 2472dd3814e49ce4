"""Topic reports a researcher can put in a paper, built only from a run directory's files.

``write_report(run_dir)`` writes ``report.md``, ``report.html`` (one self-contained file that
opens offline) and ``figures/*.png``; ``write_comparison(run_a, run_b, out_dir)`` compares two
runs. See ``docs/report.md``.
"""

from toolkit.report.build import write_report
from toolkit.report.compare import Comparison, TopicMatch, compare_runs, write_comparison
from toolkit.report.data import REQUIRED_FILES, ReportData, TopicInfo, load_run

__all__ = [
    "write_report",
    "write_comparison",
    "compare_runs",
    "Comparison",
    "TopicMatch",
    "load_run",
    "ReportData",
    "TopicInfo",
    "REQUIRED_FILES",
]
