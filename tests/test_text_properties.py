"""Property tests: arbitrary Unicode never breaks cleaning or segmentation, and no text is
lost beyond what a cleaning rule removes."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from toolkit.corpus.clean import RULE_NAMES, clean_text
from toolkit.corpus.segment import segment_text, split_paragraphs, split_sentences

FAST = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])
ONE_MB = 1_000_000

# Characters that exercise the rules: several scripts (incl. RTL), end marks, quotes,
# abbreviations' letters, digits, every kind of space and line break, control characters.
_PIECES = [
    "a", "B", "z", "Ä", "ß", "é", "д", "Ж", "т", "г", "В", "中", "文", "医", "。", "！", "？", "；",
    "“", "”", "„", "«", "»", "(", ")", "（", "）", "א", "ש", "م", "ر", "ب", "\u200f", "\u202e",
    "ア", "한", "Ω", "ก", ".", "..", "...", "…", "!", "?", ";", ":", "：", ",", "-", "—", ">", "|",
    "@", "/", "0", "1", "9", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\u00a0", "\u3000", "\u2028",
    "\x00", "\x07", "\x1f", "\x85", "\u200b", "\ufeff", "\u0308", "😀", "Foto: ", "Фото: ",
    "Quelle: ", "来源：", "编辑：", "https://x.org/a", "www.a.de", "mail@x.de", "z. B. ",
    "т. е. ", "Nr. ", "Dr. ", "usw. ", "3.5", "В. В. ", "分享至", "Kommentar (0)", " > ",
]
mixed_text = st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)
any_text = st.one_of(st.text(max_size=300), mixed_text)

_EDGE_CASES = [
    "", " ", "\n\n\n", "...", "!!! ??? 。。。", "—", "\x00\x01\x1f\x7f",
    "مرحبا بالعالم. هذا نص عربي! שלום עולם.", "Русский. Deutsch. 中文。English!",
    "\u2028\u2029\x0b\x0c\x1c", "Foto: La Viet", "a\u0308", "😀😀.",
]


def _chars(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _is_subsequence(small: str, big: str) -> bool:
    remaining = iter(big)
    return all(c in remaining for c in small)


def _check_clean(text: str) -> None:
    cleaned, removed = clean_text(text)
    assert isinstance(cleaned, str)
    assert set(removed) <= set(RULE_NAMES)
    assert all(isinstance(n, int) and n > 0 for n in removed.values())
    source = unicodedata.normalize("NFC", text)
    # Cleaning only deletes: what is left is a subsequence of the input ...
    assert _is_subsequence(_chars(cleaned), _chars(source))
    # ... and when no rule fired, nothing but whitespace changed.
    if not removed:
        assert _chars(cleaned) == _chars(source)
    # Layout: trimmed lines, single spaces, at most one blank line in a row.
    assert cleaned == cleaned.strip()
    assert "\n\n\n" not in cleaned and "\r" not in cleaned
    for line in cleaned.split("\n"):
        assert line == line.strip()
        assert not re.search(r"\s\s", line)


@FAST
@given(any_text)
@example("")
def test_clean_text_never_fails_and_only_removes(text):
    _check_clean(text)


def test_clean_text_edge_cases():
    for text in _EDGE_CASES:
        _check_clean(text)


@FAST
@given(any_text)
def test_clean_text_is_idempotent(text):
    once = clean_text(text)[0]
    assert clean_text(once) == (once, {})


def _check_split(text: str) -> None:
    for lang in (None, "de", "ru", "zh"):
        sentences = split_sentences(text, lang)
        assert all(s and s == s.strip() for s in sentences)
        assert _chars("".join(sentences)) == _chars(text)
    paragraphs = split_paragraphs(text)
    assert all(p and p == p.strip() for p in paragraphs)
    assert _chars("".join(paragraphs)) == _chars(text)


@FAST
@given(any_text)
def test_split_sentences_loses_nothing(text):
    _check_split(text)


def test_split_edge_cases():
    for text in _EDGE_CASES:
        _check_split(text)


@FAST
@given(any_text, st.sampled_from(["document", "paragraph", "sentence", "window"]),
       st.integers(0, 12), st.integers(0, 6), st.integers(1, 4), st.integers(0, 3))
def test_segment_text_loses_nothing(text, unit, min_chars_cjk, min_words, size, overlap):
    overlap = min(overlap, size - 1)
    segments = segment_text(text, unit, min_chars_cjk=min_chars_cjk, min_words=min_words,
                            window_size=size, window_overlap=overlap)
    assert all(s.strip() for s in segments)
    if not text.strip():
        assert segments == []
    elif unit == "window":
        # Windows repeat the shared sentences but cover every character.
        assert set(_chars("".join(segments))) == set(_chars(text))
        if overlap == 0:
            assert _chars("".join(segments)) == _chars(text)
    else:
        assert _chars("".join(segments)) == _chars(text)


@settings(max_examples=2, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example])
@given(st.lists(st.sampled_from(_PIECES), min_size=5, max_size=30).map("".join))
def test_a_one_megabyte_line(seed):
    line = (seed.replace("\n", " ").replace("\r", " ") * (ONE_MB // max(1, len(seed)) + 1))[:ONE_MB]
    cleaned, _ = clean_text(line)
    assert _is_subsequence(_chars(cleaned), _chars(unicodedata.normalize("NFC", line)))
    sentences = split_sentences(cleaned)
    assert _chars("".join(sentences)) == _chars(cleaned)
    segments = segment_text(cleaned, "sentence")
    assert _chars("".join(segments)) == _chars(cleaned)
