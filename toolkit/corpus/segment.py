"""Cut cleaned text into paragraphs, sentences or sliding windows of sentences.

Splitting is rule-based and works for any language: CJK end marks (``。！？；``) end a
sentence wherever they stand; ``. ! ? …`` end one when followed by a space and something
that is not a lower-case letter, unless the word before the period is an abbreviation
(``z. B.``, ``Nr.``, ``т. е.``, ``г.``, ``Dr.``), an initial (``В. В. Путин``) or, in
languages that write ordinals with a dot, a small number (``am 3. Mai``). Closing quotes and
brackets after the end mark stay with the sentence; after ``。！？`` an opening quote or
bracket (``“ ‘ 「 『 《 （``) starts the next one, and a straight quote closes (and stays) only
when an odd number of the same quote stands before it in the paragraph.

Every cut is a slice of the input, so no character is ever lost: fragments shorter than the
minimum length (characters for CJK text, words otherwise) are merged into a neighbour.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from toolkit.errors import ConfigError

__all__ = ["UNITS", "split_paragraphs", "split_sentences", "segment_text"]

#: The segmentation units ``segment_text`` accepts.
UNITS: tuple[str, ...] = ("document", "paragraph", "sentence", "window")

_CJK = re.compile(
    r"[\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    r"\uf900-\ufaff]"
)
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
# Closing quotes and brackets that stay with the sentence they end ("“" and "‘" close
# German quotations).
_CLOSERS = "\"'»”’“‘)]}›」』】〉》）］｝〕〗〙〛"

# What closes after a CJK end mark: "“" and "‘" open a quotation in Chinese and Japanese, so
# unlike in German they start the next sentence there. Straight quotes are decided by parity.
_CJK_CLOSERS = "”’」』】〉》）］｝〕〗〙〛｣)]}»›"
_STRAIGHT_QUOTES = "\"'"
# Sentence ends in CJK text: no space needed after them.
_CJK_END = re.compile(r"[。！？；｡]+[" + re.escape(_CJK_CLOSERS) + r"]*")
# Candidate ends elsewhere: end mark(s), optional closers, then whitespace.
_END = re.compile(
    r"(?:\.{2,}|…+|[.!?‼⁇⁈⁉]+|[!?]+)[" + re.escape(_CLOSERS) + r"]*(?=\s)"
)
# ASCII ! ? ; directly after a CJK character also end a sentence (mixed-width text).
_CJK_ASCII_END = re.compile(
    r"(?<=[\u3400-\u4dbf\u4e00-\u9fff\u3040-\u30ff])[!?;]+[" + re.escape(_CJK_CLOSERS) + r"]*"
)

# Abbreviations after which a capitalised word or a number does not start a new sentence
# (lower-cased, without the dot): titles, German abbreviations before nouns, addresses.
# A lower-case next word never starts a sentence anyway, so only these matter. Words that
# are also ordinary words ("so", "art", "no") are left out or only kept before numbers.
_ABBREVIATIONS = frozenset(
    """
    dr prof hr frl bzw vgl ca ggf evtl inkl zzgl exkl bspw sog geb gest jh jhd mio mrd tsd
    hrsg str st tel abt aufl dipl ing univ med rer nat phil
    jan feb febr mär apr jun jul aug sep sept okt oct nov dez dec
    mr mrs ms messrs jr sr vs approx fig figs dept inc ltd co corp gen gov rep col lt sgt
    capt mt ft vol eds pp cf al
    гг им ул пл пер просп стр см рис тыс млн млрд трлн руб коп долл проф акад доц канд
    напр обл р-н пос ст мин кв тел корп св гр ред изд
    """.split()
)
# Abbreviations that do not end a sentence before a number ("Art. 5", "No. 3", "стр. 12").
_BEFORE_NUMBER = frozenset("art abs bd no nr kap ch tab abb ziff lit гл табл".split())
# Abbreviations that may end a sentence ("... usw. Danach"): a boundary only before an
# upper-case letter.
_MAY_END = frozenset("usw usf etc др пр".split())
# Languages that write ordinal numbers with a dot ("am 3. Mai").
_ORDINAL_DOT_LANGS = frozenset(
    "de da no nb nn fi cs sk pl hu et lv lt sl hr sr bs is fo tr eu mk".split()
)
_WORD_BEFORE = re.compile(r"([^\W\d_][\w-]*|\d+)\.$")
# Characters after which a line break ends a paragraph even before a lower-case letter.
_LINE_END = frozenset(".!?…:;。！？；\"»”)]")
# The first non-space character after a position, and a dash followed by a letter.
_NEXT = re.compile(r"\s*(\S)")
_DASH_WORD = re.compile(r"[—–-]\s*([^\W\d_])")


def split_paragraphs(text: str) -> list[str]:
    """Split text into paragraphs.

    Blank lines always separate paragraphs. A single line break separates them too, unless
    it only wraps a sentence: the line before does not end in sentence punctuation and the
    next one starts with a lower-case letter; such lines are joined with a space.

    Parameters
    ----------
    text : str
        Cleaned text.

    Returns
    -------
    list of str
        Stripped, non-empty paragraphs in order.
    """
    paragraphs: list[str] = []
    for block in re.split(r"\n[ \t\r\f\v]*\n", text):
        current: list[str] = []
        for raw in block.split("\n"):
            line = raw.strip()
            if not line:
                continue
            if current and current[-1][-1] not in _LINE_END and line[0].islower():
                current.append(line)
            else:
                if current:
                    paragraphs.append(" ".join(current))
                current = [line]
        if current:
            paragraphs.append(" ".join(current))
    return paragraphs


def _is_boundary(text: str, start: int, end: int, lang: str | None) -> bool:
    """Whether the end mark ``text[start:end]`` (followed by space) ends a sentence."""
    following = _NEXT.match(text, end)
    if following is None:
        return True
    nxt = following.group(1)
    mark = text[start:end].rstrip(_CLOSERS)
    if nxt.islower():
        return False
    # "...!» — сказал он": a dash introducing a lower-case attribution.
    dash = _DASH_WORD.match(text, following.start(1)) if nxt in "—–-" else None
    if dash is not None and dash.group(1).islower():
        return False
    if mark.endswith(".") and not mark.endswith(".."):
        word_match = _WORD_BEFORE.search(text, max(0, start - 40), start + 1)
        if word_match:
            word = word_match.group(1)
            low = word.lower()
            if word.isdigit():
                if len(word) <= 3 and (lang is None or lang in _ORDINAL_DOT_LANGS):
                    return False
            elif len(word) == 1:
                return False  # initials and one-letter abbreviations: "В. В.", "z. B."
            elif low in _ABBREVIATIONS:
                return False
            elif low in _BEFORE_NUMBER and nxt.isdigit():
                return False
            elif low in _MAY_END and not nxt.isupper():
                return False
    return True


def _cjk_cut(paragraph: str, end: int) -> int:
    """Where a CJK sentence ending at ``end`` really ends: after the closers that follow,
    straight quotes included when they close a quotation (odd count before them)."""
    while end < len(paragraph):
        ch = paragraph[end]
        if ch in _CJK_CLOSERS or (ch in _STRAIGHT_QUOTES and paragraph.count(ch, 0, end) % 2 == 1):
            end += 1
        else:
            break
    return end


def split_sentences(text: str, lang: str | None = None) -> list[str]:
    """Split text into sentences.

    Parameters
    ----------
    text : str
        Cleaned text; line breaks that separate paragraphs are sentence boundaries.
    lang : str, optional
        ISO 639-1 code; used for language-specific rules (ordinal numbers with a dot).

    Returns
    -------
    list of str
        Stripped, non-empty sentences in order. Every non-space character of ``text``
        appears in exactly one sentence.

    Examples
    --------
    >>> split_sentences("Das ist z. B. ein Satz. Und Nr. 2 folgt.")
    ['Das ist z. B. ein Satz.', 'Und Nr. 2 folgt.']
    """
    sentences: list[str] = []
    for paragraph in split_paragraphs(text):
        cuts: set[int] = set()
        for match in _CJK_END.finditer(paragraph):
            cuts.add(_cjk_cut(paragraph, match.end()))
        for match in _CJK_ASCII_END.finditer(paragraph):
            cuts.add(_cjk_cut(paragraph, match.end()))
        for match in _END.finditer(paragraph):
            if _is_boundary(paragraph, match.start(), match.end(), lang):
                cuts.add(match.end())
        start = 0
        for cut in sorted(cuts):
            piece = paragraph[start:cut].strip()
            if piece:
                sentences.append(piece)
            start = cut
        piece = paragraph[start:].strip()
        if piece:
            sentences.append(piece)
    return sentences


_CJK_OR_MARK = re.compile(_CJK.pattern[:-1] + r"\u3000-\u303f\uff00-\uffef]")
_ALNUM_RUN = re.compile(r"[^\W_]+")
# A whitespace-separated token with at least one letter or digit.
_WORD_TOKEN = re.compile(r"[^\W_]\S*")


class _Group:
    """Consecutive pieces being merged, with running size counts (linear-time merging)."""

    __slots__ = ("parts", "cjk", "alnum", "cjk_size", "words")

    def __init__(self, text: str) -> None:
        self.parts: list[str] = [text]
        self.words = len(_WORD_TOKEN.findall(text))
        self.cjk = len(_CJK.findall(text))
        self.alnum = len(_LETTER_OR_DIGIT.findall(text))
        sparse = _CJK.sub(" ", text) if self.cjk else text
        self.cjk_size = self.cjk + len(_ALNUM_RUN.findall(sparse))

    def is_short(self, min_chars_cjk: int, min_words: int) -> bool:
        if self.cjk and self.cjk * 2 >= self.alnum:
            return self.cjk_size < min_chars_cjk
        return self.words < min_words

    def extend(self, other: _Group, sep: str | None = None) -> None:
        """Append ``other``; ``sep`` None joins CJK text without a space, else with one."""
        if sep is None:
            left, right = self.parts[-1][-1], other.parts[0][0]
            sep = "" if _CJK_OR_MARK.match(left) and _CJK_OR_MARK.match(right) else " "
        self.parts.append(sep)
        self.parts.extend(other.parts)
        self.cjk += other.cjk
        self.alnum += other.alnum
        self.cjk_size += other.cjk_size
        self.words += other.words

    def text(self) -> str:
        return "".join(self.parts)


def _merge_groups(groups: list[_Group], min_chars_cjk: int, min_words: int,
                  sep: str | None = None) -> list[_Group]:
    """Merge short groups into the previous group (the next one for leading short groups)."""
    merged: list[_Group] = []
    carry: _Group | None = None
    for group in groups:
        if carry is not None:
            carry.extend(group, sep)
            group, carry = carry, None
        if group.is_short(min_chars_cjk, min_words):
            if merged:
                merged[-1].extend(group, sep)
            else:
                carry = group
        else:
            merged.append(group)
    if carry is not None:
        merged.append(carry)  # every piece was short: keep them together
    return merged


def _merge_nested(
    paragraphs: Sequence[list[str]], min_chars_cjk: int, min_words: int
) -> list[str]:
    """Merge short sentences within their paragraph, then short paragraphs across.

    Within a paragraph a short sentence joins the previous one (the next one when it comes
    first). A paragraph that is too short as a whole (a heading, a byline) joins the first
    sentence of the next paragraph, or the last sentence of the text when it comes last.
    Sentences of one paragraph are joined by a space, or nothing between CJK text;
    paragraphs by a space.
    """
    out: list[_Group] = []
    carry: _Group | None = None
    for sentences in paragraphs:
        if not sentences:
            continue
        merged = _merge_groups([_Group(s) for s in sentences], min_chars_cjk, min_words)
        if carry is not None:
            carry.extend(merged[0], " ")
            merged[0], carry = carry, None
            merged = _merge_groups(merged, min_chars_cjk, min_words)
        if len(merged) == 1 and merged[0].is_short(min_chars_cjk, min_words):
            carry = merged[0]
            continue
        out.extend(merged)
    if carry is not None:
        if out:
            out[-1].extend(carry, " ")
        else:
            out.append(carry)
    return [group.text() for group in out]


def _check_int(name: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")


def segment_text(
    text: str,
    unit: str,
    lang: str | None = None,
    *,
    min_chars_cjk: int = 8,
    min_words: int = 4,
    window_size: int = 3,
    window_overlap: int = 1,
) -> list[str]:
    """Cut a cleaned text into the units that are embedded and clustered.

    Parameters
    ----------
    text : str
        Cleaned text.
    unit : {"document", "paragraph", "sentence", "window"}
        ``document`` keeps the whole text; ``paragraph`` and ``sentence`` split it;
        ``window`` groups ``window_size`` consecutive sentences, consecutive windows
        sharing ``window_overlap`` sentences.
    lang : str, optional
        ISO 639-1 code of the text, passed to :func:`split_sentences`.
    min_chars_cjk : int, default 8
        Paragraphs/sentences of mostly CJK text with fewer characters are merged into a
        neighbour.
    min_words : int, default 4
        Other paragraphs/sentences with fewer words are merged into a neighbour.
    window_size : int, default 3
        Sentences per window (``unit="window"``).
    window_overlap : int, default 1
        Sentences shared by consecutive windows; must be smaller than ``window_size``.

    Returns
    -------
    list of str
        The segments, in order; empty for blank text.

    Raises
    ------
    ConfigError
        If ``unit`` is unknown or a size parameter is out of range.
    """
    if unit not in UNITS:
        raise ConfigError(f"unit must be one of {', '.join(UNITS)}; got {unit!r}")
    _check_int("min_chars_cjk", min_chars_cjk, 0)
    _check_int("min_words", min_words, 0)
    _check_int("window_size", window_size, 1)
    _check_int("window_overlap", window_overlap, 0)
    if window_overlap >= window_size:
        raise ConfigError(
            f"window_overlap must be smaller than window_size; got window_overlap="
            f"{window_overlap}, window_size={window_size}"
        )
    if not text.strip():
        return []
    if unit == "document":
        return [text.strip()]
    paragraphs = split_paragraphs(text)
    if unit == "paragraph":
        return _merge_nested([[p] for p in paragraphs], min_chars_cjk, min_words)
    nested = [split_sentences(p, lang) for p in paragraphs]
    sentences = _merge_nested(nested, min_chars_cjk, min_words)
    if unit == "sentence":
        return sentences
    step = window_size - window_overlap
    windows: list[str] = []
    start = 0
    while True:
        windows.append(" ".join(sentences[start:start + window_size]))
        if start + window_size >= len(sentences):
            break
        start += step
    return windows
