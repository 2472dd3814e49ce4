"""Write the report files of a run: report.md, report.html and figures/*.png."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from toolkit.errors import RunError
from toolkit.files import write_text_atomic
from toolkit.report.context import report_context
from toolkit.report.data import load_run
from toolkit.report.figures import MAP_MAX_POINTS
from toolkit.report.html import render_html
from toolkit.report.markdown import render_markdown
from toolkit.report.pngs import write_pngs

__all__ = ["write_report_file", "write_report"]

log = logging.getLogger(__name__)


def write_report_file(path: Path, text: str) -> Path:
    """Write one report file atomically (:func:`toolkit.files.write_text_atomic`); a failure is a
    :class:`RunError` naming the file."""
    try:
        return write_text_atomic(path, text)
    except OSError as exc:
        raise RunError(f"{path}: cannot write the report ({exc.strerror or exc}); check the "
                       f"folder exists and is writable") from exc


def write_report(run_dir: str | Path, out_dir: str | Path | None = None, *,
                 max_points: int = MAP_MAX_POINTS) -> list[Path]:
    """Build the human report of a finished run from its files alone.

    Parameters
    ----------
    run_dir : str or Path
        A run directory (see ``docs/run-directory.md``).
    out_dir : str or Path, optional
        Where to write; defaults to ``run_dir``. Created when missing.
    max_points : int
        Cap on the number of points in the document maps.

    Returns
    -------
    list of Path
        ``report.md``, ``report.html`` and the PNG figures written, in that order.

    Raises
    ------
    RunError
        The run directory is incomplete (the message names the missing file), a file cannot
        be parsed, or the output cannot be written.
    """
    start = time.perf_counter()
    data = load_run(run_dir)
    out = Path(out_dir) if out_dir is not None else Path(run_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(f"{out}: cannot create the report folder ({exc.strerror or exc})") from exc
    context = report_context(data)
    pngs = write_pngs(data, out / "figures")
    md_path = write_report_file(out / "report.md", render_markdown(data, pngs, context=context))
    html_path = write_report_file(out / "report.html",
                                  render_html(data, max_points=max_points, context=context))
    log.info("report of %s written to %s in %.1fs (HTML %.1f MB)", run_dir, out,
             time.perf_counter() - start, html_path.stat().st_size / 1e6)
    return [md_path, html_path, *pngs]
