"""Compressed text blocks for the HTML report: raw DEFLATE, then base85 in an HTML-safe alphabet.

plotly.js is 4.8 MB of the page and the installed plotly wheel ships no smaller bundle, so the
page carries plotly.js and the figure data compressed and the browser inflates them with its
built-in ``DecompressionStream("deflate-raw")``: 4.8 MB of plotly.js become 1.8 MB. Base85
costs 25% over the compressed bytes against base64's 33%; Python's own base85 alphabet is
used with the five characters that could mean something in HTML (``& < > - ```) swapped for
five that cannot (``. , : [ ]``), so a packed block may sit in a ``<script type="text/plain">``
element without escaping. The decoder is ``decode85`` in ``templates/report.js.j2``; both
sides name the alphabet as :data:`ALPHABET`.
"""

from __future__ import annotations

import base64
import zlib

__all__ = ["ALPHABET", "pack", "unpack", "unpack_block"]

_PY_ALPHABET = ("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                "!#$%&()*+-;<=>?@^_`{|}~")
#: The 85 characters of a packed block, in digit order (the browser decoder uses the same).
ALPHABET = _PY_ALPHABET.translate(str.maketrans("&<>-`", ".,:[]"))
_TO_SAFE = str.maketrans(_PY_ALPHABET, ALPHABET)
_FROM_SAFE = str.maketrans(ALPHABET, _PY_ALPHABET)


def pack(text: str, level: int = 9) -> tuple[str, int]:
    """Compress ``text`` (UTF-8, raw DEFLATE) and encode it in :data:`ALPHABET`.

    Returns
    -------
    packed : str
        Base85 characters, whole groups of five (the last group zero-padded).
    n_bytes : int
        Length of the compressed data, so the decoder drops the padding.
    """
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15, 9)
    raw = compressor.compress(text.encode("utf-8")) + compressor.flush()
    padded = raw + b"\0" * (-len(raw) % 4)
    return base64.b85encode(padded).decode("ascii").translate(_TO_SAFE), len(raw)


def unpack(packed: str, n_bytes: int) -> str:
    """The text :func:`pack` packed (for tests and tools that read a report back)."""
    raw = base64.b85decode(packed.strip().translate(_FROM_SAFE))[:n_bytes]
    return zlib.decompress(raw, -15).decode("utf-8")


def unpack_block(page: str, block_id: str) -> str:
    """The text of the packed ``<script type="text/plain" id=block_id data-bytes=N>`` block of a
    report page (``report-figures``: the figure data as JSON; ``report-plotly``: plotly.js)."""
    import re

    match = re.search(rf'<script type="text/plain" id="{re.escape(block_id)}" data-bytes="(\d+)">(.*?)</script>',
                      page, re.S)
    if match is None:
        raise ValueError(f"no packed block {block_id!r} in the page")
    return unpack(match.group(2), int(match.group(1)))
