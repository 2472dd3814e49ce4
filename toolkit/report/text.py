"""Escaping and shortening of corpus text for the three places a report puts it.

Everything that comes from a corpus (segment texts, ids, keywords, labels, themes, config
values) is untrusted. It reaches the reader through three channels, each with its own rule:

* HTML text and attributes: jinja2 autoescape (nothing to do here).
* Plotly figures: plotly renders a subset of HTML in trace names, tick labels and hover
  text, so strings are HTML-escaped *before* they go into a figure (:func:`plotly_text`),
  and the figure JSON is made safe to inline in a ``<script>`` element
  (:func:`json_for_script`).
* Markdown tables: ``|`` ends a cell, newlines end a row and raw HTML is rendered by most
  Markdown viewers (:func:`md_cell`).
"""

from __future__ import annotations

import html
import json
import math
import re
from typing import Any

__all__ = ["truncate", "plotly_text", "plotly_hover", "json_for_script", "md_cell", "md_fence"]

_SPACE = re.compile(r"\s+")


def truncate(text: str, limit: int) -> str:
    """Collapse whitespace and cut ``text`` to at most ``limit`` characters (with an ellipsis),
    at the last word boundary in the final third of the limit when there is one.

    Parameters
    ----------
    text : str
        Any text.
    limit : int
        Maximum length of the result, ellipsis included; must be >= 1.

    Returns
    -------
    str
    """
    flat = _SPACE.sub(" ", str(text)).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[: max(limit - 1, 0)]
    # At a word boundary when one is near the end (a name reads "medical …", not "medic…");
    # text without spaces (Chinese, Japanese) is cut at the character.
    space = flat.rfind(" ", 0, len(cut) + 1)
    if space >= max(1, (limit * 2) // 3):
        cut = cut[:space]
    return cut.rstrip(" ,;:·-") + "…"


def plotly_text(text: Any) -> str:
    """Escape a string for a plotly label (trace name, tick label, title, hover text).

    Plotly interprets ``<br>``, ``<b>``, ``<a href>`` and friends in these strings and decodes
    ``&lt;``/``&gt;``/``&amp;``, so escaping shows the text literally and never as markup.
    """
    return html.escape(str(text), quote=False)


def plotly_hover(text: str, limit: int = 160, width: int = 60) -> str:
    """Hover text for a segment: truncated, escaped, wrapped with ``<br>`` every ``width`` chars.

    Wrapping happens on the raw text (at spaces when there are any, else mid-string, as in
    Chinese), and each line is escaped separately so an entity is never split.
    """
    short = truncate(text, limit)
    lines: list[str] = []
    current = ""
    for word in short.split(" "):
        while len(word) > width:  # text without spaces (Chinese) or very long tokens
            room = width - len(current) - (1 if current else 0)
            if room <= 0:
                lines.append(current)
                current = ""
                continue
            current = f"{current} {word[:room]}" if current else word[:room]
            word = word[room:]
            lines.append(current)
            current = ""
        if not word:
            continue
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        lines.append(current)
    return "<br>".join(plotly_text(line) for line in lines)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """JSON fallback for numpy values (arrays, scalars) that plotly figures may hold."""
    if hasattr(value, "tolist"):
        return _finite(value.tolist())
    raise TypeError(f"cannot serialise {type(value).__name__} to JSON")


def json_for_script(obj: Any) -> str:
    """Serialise ``obj`` as JSON that is safe to place verbatim inside a ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as ``\\u003c``/``\\u003e``/``\\u0026`` (so neither
    ``</script>`` nor ``<!--`` can appear), U+2028/U+2029 are escaped, and NaN/inf become
    ``null`` (JSON has no NaN). JSON only has these characters inside strings, where the
    escapes decode back to the same text.
    """
    text = json.dumps(_finite(obj), ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                      default=_plain)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


_MD_SPECIAL = re.compile(r"[\[\]]")


def md_cell(text: Any, limit: int | None = None) -> str:
    """Make ``text`` safe for one Markdown table cell.

    Newlines become spaces, ``|`` and backslashes are backslash-escaped, ``<``, ``>``, ``&``
    become HTML entities so a viewer never renders corpus text as HTML, and the brackets that
    open Markdown links and images are escaped, so ``[click](javascript:...)`` or
    ``![p](https://...)`` in a corpus stays text: no live link, no image fetched.
    """
    flat = truncate(text, limit) if limit else _SPACE.sub(" ", str(text)).strip()
    flat = html.escape(flat, quote=False)
    flat = flat.replace("\\", "\\\\").replace("|", "\\|")
    return _MD_SPECIAL.sub(r"\\\g<0>", flat)


def md_fence(text: str) -> str:
    """A backtick fence longer than any backtick run in ``text`` (for a verbatim code block)."""
    runs = [len(m) for m in re.findall(r"`+", text)]
    return "`" * max(3, max(runs, default=0) + 1)
