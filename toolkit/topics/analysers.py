"""Morphological analysers for topic words in Japanese and Korean, and Traditional Chinese.

Optional packages (``pip install "topicbridge[cjk]"``), all offline, dictionaries inside:

- Japanese: SudachiPy with sudachidict-core, split mode C (compounds such as 医療費 and
  外国人 stay one word), content words only (nouns, verbs, adjectives, na-adjectives; no
  particles, auxiliaries, suffixes, numerals or pronouns), verbs and adjectives in their
  dictionary form (受け入れ -> 受け入れる).
- Korean: kiwipiepy with its model, content words only (common and proper nouns, verbs,
  adjectives; no particles, endings, bound nouns or auxiliaries), verbs and adjectives as
  lemmas (받아들이 -> 받아들이다).
- Traditional Chinese: OpenCC ``t2s`` converts a run to Simplified characters for jieba; the
  words are cut from the original text, so keywords stay in the script of the corpus.

docs/languages.md has the measurements behind these choices (against fugashi with
unidic-lite and mecab-ko). Each loader returns ``None`` when its package is missing; the
tokenizer then falls back to its rules and says so once.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

__all__ = ["japanese_analyser", "korean_analyser", "traditional_to_simplified", "CJK_EXTRA"]

logger = logging.getLogger(__name__)

#: The extra that installs the analysers.
CJK_EXTRA = 'pip install "topicbridge[cjk]"'

# Sudachi parts of speech kept, and second-level categories dropped from them.
_JA_CONTENT = frozenset({"名詞", "動詞", "形容詞", "形状詞"})
_JA_DROP_SUB = frozenset({"数詞", "非自立可能", "助動詞語幹"})
# Kiwi tags kept: common and proper nouns, verbs, adjectives (and their irregular forms).
_KO_NOUNS = frozenset({"NNG", "NNP"})
_KO_PREDICATES = frozenset({"VV", "VA", "VV-I", "VV-R", "VA-I", "VA-R"})
# Light verbs that carry grammar, not content (stopwordsiso has neither list's words).
_JA_LIGHT = frozenset({"よる", "つく", "おく", "くる", "いく", "みる", "しまう", "おる"})
_KO_LIGHT = frozenset({"하다", "되다", "없다", "않다", "이다", "아니다", "보다", "주다"})


@functools.lru_cache(maxsize=1)
def japanese_analyser() -> Callable[[str], list[tuple[int, str]]] | None:
    """``analyse(text) -> [(start, word), ...]``: Japanese content words in dictionary form,
    or ``None`` without SudachiPy and sudachidict-core."""
    try:
        from sudachipy import Dictionary, SplitMode
    except ImportError:
        return None
    try:
        tokenizer = Dictionary(dict="core").tokenizer(mode=SplitMode.C)
    except Exception as exc:  # noqa: BLE001 - a missing dictionary package raises several types
        logger.warning("SudachiPy is installed but its dictionary is not (%s); %s", exc, CJK_EXTRA)
        return None

    def analyse(text: str) -> list[tuple[int, str]]:
        out = []
        for m in tokenizer.tokenize(text):
            pos = m.part_of_speech()
            if pos[0] in _JA_CONTENT and pos[1] not in _JA_DROP_SUB:
                lemma = m.dictionary_form()
                if lemma not in _JA_LIGHT:
                    out.append((m.begin(), lemma))
        return out

    return analyse


@functools.lru_cache(maxsize=1)
def korean_analyser() -> Callable[[str], list[tuple[int, str]]] | None:
    """``analyse(text) -> [(start, word), ...]``: Korean content words, verbs and adjectives
    as lemmas ending in 다, or ``None`` without kiwipiepy."""
    try:
        from kiwipiepy import Kiwi
    except ImportError:
        return None
    try:
        kiwi = Kiwi()
    except Exception as exc:  # noqa: BLE001 - a missing model package raises several types
        logger.warning("kiwipiepy is installed but its model is not (%s); %s", exc, CJK_EXTRA)
        return None

    def analyse(text: str) -> list[tuple[int, str]]:
        out = []
        for tok in kiwi.tokenize(text):
            if tok.tag in _KO_NOUNS:
                out.append((tok.start, tok.form))
            elif tok.tag in _KO_PREDICATES:
                lemma = getattr(tok, "lemma", None) or tok.form + "다"
                if lemma not in _KO_LIGHT:
                    out.append((tok.start, lemma))
        return out

    return analyse


@functools.lru_cache(maxsize=1)
def traditional_to_simplified() -> Callable[[str], str] | None:
    """OpenCC's ``t2s`` conversion, or ``None`` without the opencc package."""
    try:
        import opencc
    except ImportError:
        return None
    try:
        converter = opencc.OpenCC("t2s")
    except Exception as exc:  # noqa: BLE001 - a broken installation raises several types
        logger.warning("opencc could not load its t2s table (%s); %s", exc, CJK_EXTRA)
        return None
    return converter.convert
