"""The Markdown report: the HTML report's content as tables, with links to PNG figures."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from toolkit.report.context import report_context
from toolkit.report.data import ReportData
from toolkit.report.pngs import PNG_FILES
from toolkit.report.text import md_cell, md_fence

__all__ = ["markdown_environment", "render_markdown"]

log = logging.getLogger(__name__)

_TEMPLATE_DIR = Path(__file__).parent / "templates"


def _code(value: object) -> str:
    """Text for an inline code span: no backticks, no line breaks."""
    return " ".join(str(value).replace("`", "'").split())


def markdown_environment() -> Environment:
    """The jinja2 environment of the Markdown template.

    HTML autoescape is off (it would garble Markdown); every corpus value goes through the
    ``cell`` filter (:func:`~toolkit.report.text.md_cell`) or the ``code`` filter instead.
    """
    env = Environment(loader=FileSystemLoader(_TEMPLATE_DIR), autoescape=False,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["cell"] = md_cell
    env.filters["code"] = _code
    return env


def render_markdown(data: ReportData, pngs: list[Path] | None = None, *,
                    figure_prefix: str = "figures", context: dict[str, Any] | None = None,
                    max_theme_segments: int = 20) -> str:
    """Render the Markdown report of a run.

    Parameters
    ----------
    data : ReportData
    pngs : list of Path, optional
        PNG files written by :func:`~toolkit.report.pngs.write_pngs`; each is linked as
        ``<figure_prefix>/<file name>``.
    figure_prefix : str
        Folder of the PNGs relative to the Markdown file.
    context : dict, optional
        A precomputed :func:`~toolkit.report.context.report_context`.
    max_theme_segments : int
        Segments listed per theme and language (the HTML report lists more).

    Returns
    -------
    str
    """
    ctx = dict(context if context is not None else report_context(data))
    figures = [{"title": PNG_FILES.get(p.name, p.stem.replace("_", " ")),
                "path": f"{figure_prefix}/{p.name}"} for p in (pngs or [])]
    ctx.update(pngs=figures, md_theme_limit=max_theme_segments,
               config_fence=md_fence(data.config_text), manifest_fence=md_fence(data.manifest_text))
    ctx["config_text"] = data.config_text.rstrip("\n")
    text = markdown_environment().get_template("report.md.j2").render(**ctx)
    # Collapse the blank-line runs that template control flow leaves behind.
    lines: list[str] = []
    blank, fence = 0, ""
    for line in text.splitlines():
        if not fence and line.startswith("```"):
            fence = line[: len(line) - len(line.lstrip("`"))]
        elif fence and line.strip() == fence:
            fence = ""
        blank = blank + 1 if not line.strip() and not fence else 0
        if blank <= 1:
            lines.append(line)
    return "\n".join(lines).rstrip("\n") + "\n"
