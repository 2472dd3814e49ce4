"""The self-contained HTML report: one file, styles, scripts and data inlined.

The page is rendered by jinja2 with autoescape on; plotly.js is embedded once (never a CDN).
plotly.js and the figure data are stored compressed (:mod:`~toolkit.report.packing`) in two
``<script type="text/plain">`` blocks that the page's own script inflates with the browser's
``DecompressionStream``: the seeds report is 1.9 MB instead of 4.9 MB (docs/report.md). A
Content-Security-Policy ``<meta>`` forbids every network request and allows only the page's
own script (by SHA-256 hash, plus ``eval`` of the inflated plotly.js), so even a corpus text
that slipped through escaping could neither run nor load anything.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from toolkit.report.context import report_context
from toolkit.report.data import ReportData
from toolkit.report.figures import MAP_MAX_POINTS, FigureSpec, build_figures, language_colors, shared_template
from toolkit.report.packing import pack
from toolkit.report.text import json_for_script

__all__ = ["TEMPLATE_DIR", "html_environment", "figure_payload", "render_html"]

log = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).parent / "templates"


def html_environment() -> Environment:
    """The jinja2 environment of the HTML templates (autoescape always on)."""
    return Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=True)


@lru_cache(maxsize=1)
def _packed_plotly_js() -> tuple[str, int]:
    from plotly.offline import get_plotlyjs

    return pack(get_plotlyjs())


def figure_payload(figures: list[FigureSpec]) -> dict[str, Any]:
    """The figure data the page inflates: the shared template and each figure; the map as its
    point columns (``points``) with no expanded traces."""
    items = []
    for f in figures:
        if f.points is not None:
            items.append({"key": f.key, "figure": {"data": [], "layout": f.figure["layout"]}, "points": f.points})
        else:
            items.append({"key": f.key, "figure": f.figure})
    return {"template": shared_template(), "figures": items}


def _sha256(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


def _csp(scripts: list[str]) -> str:
    # 'unsafe-eval': the page runs the plotly.js it inflated (and plotly compiles a few
    # functions at run time for WebGL traces); plotly also injects <style> elements.
    return "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(_sha256(s) for s in scripts) + " 'unsafe-eval'",
        "style-src 'unsafe-inline'",
        "img-src data: blob:",
        "font-src data:",
        "connect-src 'none'",
        "worker-src blob:",
        "base-uri 'none'",
        "form-action 'none'",
    ])


def render_html(data: ReportData, *, max_points: int = MAP_MAX_POINTS,
                context: dict[str, Any] | None = None) -> str:
    """Render the HTML report of a run.

    Parameters
    ----------
    data : ReportData
        The run, from :func:`~toolkit.report.data.load_run`.
    max_points : int
        Cap on the number of points in the document map.
    context : dict, optional
        A precomputed :func:`~toolkit.report.context.report_context` (shared with the
        Markdown report).

    Returns
    -------
    str
        The complete HTML document.
    """
    env = html_environment()
    ctx = dict(context if context is not None else report_context(data))
    figures, notes = build_figures(data, max_points=max_points)
    plotly_packed, plotly_bytes = _packed_plotly_js()
    figures_packed, figures_bytes = pack(json_for_script(figure_payload(figures)))
    init_js = env.loader.get_source(env, "report.js.j2")[0]
    ctx.update(
        figures=figures, notes=notes, lang_colors=language_colors(data.languages),
        figures_packed=Markup(figures_packed), figures_bytes=figures_bytes,
        plotly_packed=Markup(plotly_packed), plotly_bytes=plotly_bytes,
        init_js=Markup(init_js), csp=_csp([init_js]),
    )
    html = env.get_template("report.html.j2").render(**ctx)
    log.debug("rendered HTML report: %d figures, %.1f MB", len(figures), len(html) / 1e6)
    return html
