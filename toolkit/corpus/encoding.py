"""Text encodings of corpus files: BOMs, UTF-16, declared codecs and detection.

Every corpus reader (``.txt`` folders, JSONL, CSV/TSV) decodes through :func:`read_text` or
:func:`open_text`, which follow ``corpus.encoding``:

- ``auto`` (the default): a byte-order mark decides (UTF-8, UTF-16, UTF-32); BOM-less UTF-16
  is recognised by its pattern of zero bytes; otherwise the file is read as UTF-8, and only
  when that fails does charset-normalizer name the encoding (GB2312 and GBK are widened to
  their superset GB18030). The codec chosen is returned, so the manifest can record it.
- ``utf-8`` or any Python codec name: that codec (a UTF-8 BOM is skipped).

A file that does not decode is one :class:`~toolkit.errors.CorpusError` naming the file, the
byte offset and the ``corpus.encoding`` key; a binary file (zero bytes or control characters
in text that is not UTF-16) is one too. Files are checked in chunks before they are read,
so large JSONL or CSV files are streamed, never held in memory twice.
"""

from __future__ import annotations

import codecs
import io
import logging
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from toolkit.errors import CorpusError

__all__ = ["AUTO", "Decoded", "read_text", "open_text", "decode_bytes"]

log = logging.getLogger(__name__)

#: The ``corpus.encoding`` value that detects the encoding of each file.
AUTO = "auto"

_CHUNK = 1 << 20
# Fewer non-ASCII bytes than this are too little to tell cp1251 from GB18030: an error then.
_MIN_DETECT_BYTES = 16
_SNIFF = 1 << 16
# BOMs, longest first (the UTF-32 LE BOM starts with the UTF-16 LE one).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
# Detected names widened to a superset that decodes every file the narrower one does.
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "ascii": "utf-8", "euc_kr": "cp949", "shift_jis": "cp932",
          "big5": "big5hkscs", "iso8859_1": "cp1252", "latin_1": "cp1252"}
# Unicode categories that text does not consist of: controls, unassigned, private use, surrogates.
_NOT_TEXT = frozenset({"Cc", "Cn", "Co", "Cs"})
# Among codecs that detection scores the same, the most widely used first.
_PREFERRED = ("utf-8", "cp1252", "cp1251", "gb18030", "cp932", "cp949", "big5hkscs", "big5", "cp1250",
              "cp1253", "cp1254", "cp1256", "iso8859_15", "koi8_r")
# Control characters that do not occur in text (everything in C0 but tab, line breaks, form feed, escape).
_CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r\f\v\x1b") | {"\x7f"}
_HINT = "set corpus.encoding to the file's codec (e.g. cp1251, gb18030, utf-16) or convert the file to UTF-8"


@dataclass(frozen=True)
class Decoded:
    """How one file was decoded: the Python codec and whether it was detected."""

    codec: str
    detected: bool = False

    @property
    def label(self) -> str:
        """The codec, with ``(detected)`` when charset-normalizer chose it."""
        return f"{self.codec} (detected)" if self.detected else self.codec


def _codec_name(name: str) -> str:
    return codecs.lookup(name).name


def _binary_error(path: Path | str) -> CorpusError:
    return CorpusError(f"{path}: a binary file, not text (zero bytes or control characters); corpus files must "
                       "be text (.txt, .jsonl, .csv/.tsv) or Parquet")


def _utf16_without_bom(head: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when ``head`` holds zero bytes and reads as text in one
    of them (at least 95% of its characters assigned and not control characters)."""
    if b"\x00" not in head:
        return None
    best, best_score = None, 0.95
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            text = codecs.getincrementaldecoder(codec)("strict").decode(head, final=False)
        except UnicodeDecodeError:
            continue
        if not text:
            continue
        good = sum(ch in "\t\n\r" or unicodedata.category(ch) not in _NOT_TEXT for ch in text)
        if good / len(text) >= best_score:
            best, best_score = codec, good / len(text)
    return best


def _check_decodes(chunks: Iterator[bytes], codec: str, path: Path | str, how: str) -> None:
    """Decode every chunk with ``codec``; the first failure is a CorpusError with its byte offset."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    offset = 0
    first = True
    for chunk in chunks:
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise CorpusError(
                f"{path}: not {how}: byte {offset + max(exc.start, 0)} (0x{chunk[exc.start:exc.start + 1].hex()}) "
                f"is not valid {codec}; {_HINT}") from None
        if first and text:
            sample = text[:_SNIFF]
            bad = sum(ch in _CONTROL for ch in sample)
            if "\x00" in sample or bad > 0.01 * len(sample):
                raise _binary_error(path)
            first = False
        offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise CorpusError(f"{path}: not {how}: the file ends inside a character (byte {offset}); {_HINT}") from None


def _detect(path: Path | str, data: bytes) -> str | None:
    """The encoding charset-normalizer finds for ``data`` (a sample of the file), or None."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency of topicbridge
        raise CorpusError(f"{path}: not UTF-8 text and charset-normalizer is not installed to detect its "
                          f"encoding: pip install charset-normalizer, or {_HINT}") from None
    results = list(from_bytes(data))
    if not results:
        return None
    # Least chaos, then most coherence; close relatives often tie on both (cp1252, cp1258 and
    # iso8859_16 on German text): the most widely used of the tied codecs wins then.
    chaos = min(m.chaos for m in results)
    calm = [m for m in results if m.chaos <= chaos + 1e-9]
    coherence = max(m.coherence for m in calm)
    tied = [_codec_name(m.encoding) for m in calm if m.coherence >= coherence - 1e-9]
    name = next((c for c in _PREFERRED if c in tied), tied[0])
    return _WIDER.get(name, name)


def _resolve(head: bytes, chunks: Callable[[], Iterator[bytes]], encoding: str, path: Path | str,
             sample: bytes | None = None) -> Decoded:
    """Choose the codec of one file from its first bytes and check that the whole file decodes.

    ``chunks()`` gives a fresh iterator over the file's bytes; ``sample`` is what detection
    reads (default ``head``).
    """
    bom = next((codec for mark, codec in _BOMS if head.startswith(mark)), None)
    if encoding.strip().lower() != AUTO:
        try:
            codec = _codec_name(encoding.strip())
        except LookupError:
            raise CorpusError(f"{path}: unknown encoding {encoding!r} (corpus.encoding); use auto, utf-8 or a "
                              "Python codec name such as cp1251") from None
        # A declared codec of the BOM's family skips the BOM instead of reading it as text.
        if bom is not None and codec.split("-")[:2] == bom.split("-")[:2] and codec != "utf-8-sig":
            codec = bom
        _check_decodes(chunks(), codec, path, f"{encoding} text (corpus.encoding: {encoding})")
        return Decoded(codec)
    if bom is not None:
        _check_decodes(chunks(), bom, path, f"{bom} text (its byte-order mark says so)")
        return Decoded(bom)
    utf16 = _utf16_without_bom(head)
    if utf16 is not None:
        _check_decodes(chunks(), utf16, path, f"{utf16} text")
        return Decoded(utf16)
    if b"\x00" in head:
        raise _binary_error(path)
    try:
        _check_decodes(chunks(), "utf-8", path, "UTF-8 text")
        return Decoded("utf-8")
    except CorpusError as utf8_error:
        data = sample if sample is not None else head
        if sum(b >= 0x80 for b in data[:_SNIFF]) < _MIN_DETECT_BYTES:
            raise CorpusError(f"{utf8_error} (too few non-ASCII bytes to detect the encoding)") from None
        detected = _detect(path, data)
        if detected is None or detected == "utf-8":
            raise CorpusError(f"{utf8_error} (charset-normalizer recognises no encoding either)") from None
        _check_decodes(chunks(), detected, path, f"{detected} text (detected by charset-normalizer)")
        # info, not warning: the run lists these files once, from the manifest
        log.info("%s: not UTF-8; read as %s (detected; set corpus.encoding to fix it)", path, detected)
        return Decoded(detected, detected=True)


def decode_bytes(data: bytes, encoding: str = AUTO, *, path: Path | str = "<bytes>") -> tuple[str, Decoded]:
    """Decode a whole file's bytes as ``corpus.encoding`` says; returns the text and the codec.

    Examples
    --------
    >>> decode_bytes("Привет".encode("utf-16"))[0]
    'Привет'
    """
    decoded = _resolve(data[:_SNIFF], lambda: iter((data[i:i + _CHUNK] for i in range(0, len(data), _CHUNK))),
                       encoding, path, sample=data[: 4 * _CHUNK])
    return data.decode(decoded.codec), decoded


def _read_bytes(path: Path, size: int = -1) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror}") from None


def read_text(path: Path, encoding: str = AUTO) -> tuple[str, Decoded]:
    """The whole text of a (small) file, decoded as ``encoding`` says, and how it was decoded.

    Raises
    ------
    CorpusError
        The file cannot be read, does not decode (file, byte offset and ``corpus.encoding``
        named) or is binary.
    """
    return decode_bytes(_read_bytes(path), encoding, path=path)


def _file_chunks(path: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                yield chunk
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror}") from None


def open_text(path: Path, encoding: str = AUTO, *, newline: str | None = None) -> tuple[IO[str], Decoded]:
    """Open a (possibly large) file as text for streaming, after checking that it decodes.

    Returns the open text handle (a BOM is skipped) and how the file is decoded.

    Raises
    ------
    CorpusError
        As :func:`read_text`.
    """
    head = _read_bytes(path, 4 * _CHUNK)
    decoded = _resolve(head[:_SNIFF], lambda: _file_chunks(path), encoding, path, sample=head)
    try:
        handle = io.open(path, encoding=decoded.codec, newline=newline)
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read: {exc.strerror}") from None
    return handle, decoded
