"""Per-language tokenisation for topic words.

BERTopic's default ``CountVectorizer`` treats every language like English: German topics come
out as ``die_und_das_der`` and a Chinese sentence, having no spaces, becomes one "word". Here
every segment is tokenised by its own language before c-TF-IDF sees it:

- the text is cut into script runs: Han (with or without kana), Hangul, and everything else;
- Chinese runs go through jieba (Traditional characters converted to Simplified with OpenCC
  for segmentation only: the words keep the corpus's script); Japanese runs (any run holding
  kana, or a segment marked ``ja``) through SudachiPy and Korean text through kiwipiepy,
  keeping content words (nouns, verbs, adjectives) in their dictionary form (see
  :mod:`toolkit.topics.analysers`); without those optional packages (``topicbridge[cjk]``)
  a fallback with a warning: katakana words and kanji bigrams, Hangul by spaces; all other
  scripts by Unicode word rules;
- non-CJK words are lemmatised with simplemma when it knows the language, then lowercased
  (``str.lower`` rather than ``casefold``, so German keywords keep their "ß");
- stopwords (stopwordsiso, for the language and always English, plus a domain list), numbers,
  tokens holding digits, single characters and URL debris are dropped.

The result is a list of tokens per segment; :func:`whitespace_vectorizer` builds the
``CountVectorizer`` that reads the space-joined tokens back without altering them.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence

import regex
from sklearn.feature_extraction.text import CountVectorizer

from toolkit.arrays import as_langs
from toolkit.errors import ParameterError
from toolkit.languages import normalize_language_code
from toolkit.topics.analysers import CJK_EXTRA, japanese_analyser, korean_analyser, traditional_to_simplified

__all__ = ["MultilingualTokenizer", "normalize_lang", "whitespace_vectorizer"]

logger = logging.getLogger(__name__)

# Script runs. ``V1`` enables set difference so the generic word class excludes CJK letters.
_RUN_RE = regex.compile(
    r"(?V1)"
    r"(?P<cjk>[\p{Han}\p{Hiragana}\p{Katakana}\u30fc\u3005]+)"
    r"|(?P<hangul>\p{Hangul}+)"
    r"|(?P<word>[[\p{L}\p{M}\p{N}]--[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]]+"
    r"(?:[-\u2010\u2011][[\p{L}\p{M}\p{N}]--[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]]+)*)"
)
_KANA_RE = regex.compile(r"[\p{Hiragana}\p{Katakana}]")
# Japanese sub-runs: kanji (with the iteration mark), katakana words (with the long vowel mark).
_JA_PART_RE = regex.compile(r"(?P<kanji>[\p{Han}\u3005]+)|(?P<kata>[\p{Katakana}\u30fc]+)")
_DIGIT_RE = regex.compile(r"\p{N}")
_LETTER_RE = regex.compile(r"\p{L}")
# Whole URLs, e-mail addresses and bare domain names are removed before tokenising. URL
# characters are limited to printable ASCII so that Chinese text right after a URL (no space
# between them) is not swallowed with it.
# Parts are bounded (an e-mail local part has at most 64 characters, a domain label 63), which
# keeps the search linear: unbounded, a run of millions of letters took hours to scan.
_URL_RE = regex.compile(
    r"(?i)(?:https?://|ftp://|www\.)[!-~]+"
    r"|[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})+"
    r"|\b(?:[a-z0-9-]{1,63}\.)+(?:com|org|net|edu|gov|info|io|de|ru|cn|uk|fr|jp|eu|html?|php)\b"
)
_URL_DEBRIS = frozenset(
    {"http", "https", "www", "com", "org", "net", "html", "htm", "php", "asp", "aspx", "amp",
     "nbsp", "url", "href", "mailto", "utm"}
)
_MAX_WORD_CHARS = 40

# Three-letter and regional codes that corpora and detectors use for the languages we support.
# Text of unknown language gets the union of these stopword lists: leaving "die", "und",
# "и" in the keywords costs more than dropping a rare content word that is a stopword elsewhere.
_FALLBACK_STOP_LANGS = ("en", "de", "fr", "es", "it", "pt", "nl", "ru")
# Chinese numerals: tokens made only of these are numbers, dropped like digits.
_ZH_NUMERAL_RE = regex.compile(r"[〇零一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟萬億]+")
_HANGUL_RE = regex.compile(r"\p{Hangul}")
_FALLBACKS = {
    "ja": "Japanese topic words come from katakana runs and kanji bigrams, not a dictionary",
    "ko": "Korean topic words are space-separated words with their particles, not a dictionary",
}


@functools.lru_cache(maxsize=None)
def _warn_fallback(lang: str) -> None:
    """Say once per process that ``lang`` is tokenised by the fallback rules."""
    logger.warning("%s: the analyser is not installed; %s", _FALLBACKS[lang], CJK_EXTRA)


def normalize_lang(lang: str | None) -> str | None:
    """Reduce a language tag (``de-AT``, ``zho_Hans``, ``wuu``) to its ISO 639-1 code, or None."""
    return normalize_language_code(lang) if isinstance(lang, str) else None


@functools.lru_cache(maxsize=1)
def _lemma_languages() -> frozenset[str]:
    try:
        from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES
    except ImportError:  # pragma: no cover - layout of a future simplemma
        logger.warning("simplemma's language list not found; lemmatising ru, de, en only")
        return frozenset({"ru", "de", "en"})
    return frozenset(SUPPORTED_LANGUAGES)


@functools.lru_cache(maxsize=None)
def _stopwords_for(lang: str) -> frozenset[str]:
    import stopwordsiso

    if not stopwordsiso.has_lang(lang):
        return frozenset()
    return frozenset(w.lower() for w in stopwordsiso.stopwords(lang))


@functools.lru_cache(maxsize=2**18)
def _lemma(token: str, lang: str) -> str:
    import simplemma

    try:
        lemma = simplemma.lemmatize(token, lang=lang)
    except Exception:  # simplemma must never break tokenising  # noqa: BLE001
        return token
    # A multi-word dictionary entry would break the one-token-per-word contract of the
    # whitespace vectorizer: keep the word itself then.
    if not isinstance(lemma, str) or not lemma or any(ch.isspace() for ch in lemma):
        return token
    return lemma


@functools.lru_cache(maxsize=1)
def _jieba():
    """Load jieba's dictionary once, quietly (it logs to stderr by default)."""
    import jieba

    jlog = jieba.default_logger
    level = jlog.level
    jlog.setLevel(logging.WARNING)
    try:
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
    finally:
        jlog.setLevel(level)
    return tokenizer


class MultilingualTokenizer:
    """Tokenise text by its own language for c-TF-IDF.

    Parameters
    ----------
    stopwords : bool, default=True
        Drop stopwords: stopwordsiso for the segment language and always English (for text
        of unknown language, the union of the en, de, fr, es, it, pt, nl and ru lists), plus
        zh, ja or ko lists for Chinese, Japanese or Korean runs.
    lemmatize : bool, default=True
        Reduce words to their lemma with simplemma when it supports the language.
    extra_stopwords : sequence of str, default=()
        Domain stopwords, matched case-insensitively against both the word and its lemma.
        Applied even when ``stopwords`` is False.
    min_chars : int, default=2
        Shortest token kept, in characters.
    max_cjk_chars : int, default=6
        Longest Chinese (or fallback Japanese kanji) token kept; longer jieba words are split
        into dictionary words, and parts still too long are dropped. Katakana words and the
        dictionary words of the Japanese and Korean analysers are exempt.

    Examples
    --------
    >>> tok = MultilingualTokenizer()
    >>> tok.tokenize("Die Krankenhäuser in Berlin", "de")
    ['krankenhaus', 'berlin']
    """

    def __init__(
        self,
        *,
        stopwords: bool = True,
        lemmatize: bool = True,
        extra_stopwords: Sequence[str] = (),
        min_chars: int = 2,
        max_cjk_chars: int = 6,
    ) -> None:
        self.stopwords = stopwords
        self.lemmatize = lemmatize
        self.extra_stopwords = (
            tuple(extra_stopwords)
            if isinstance(extra_stopwords, Iterable) and not isinstance(extra_stopwords, str)
            else extra_stopwords
        )
        self.min_chars = min_chars
        self.max_cjk_chars = max_cjk_chars
        self._validate()
        self._extra = frozenset(w.strip().lower() for w in self.extra_stopwords if w.strip())
        self._stop_cache: dict[str | None, frozenset[str]] = {}
        self._word_cache: dict[tuple[str, str | None], str | None] = {}

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        for name in ("min_chars", "max_cjk_chars"):
            value = getattr(self, name)
            low = 1 if name == "min_chars" else 2
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ParameterError(
                    name, f"must be an integer >= {low}, got {value!r}; set it to e.g. {2 if low == 1 else 6}."
                )
        if self.max_cjk_chars < self.min_chars:
            raise ParameterError(
                "max_cjk_chars", f"must be >= min_chars ({self.min_chars}), got {self.max_cjk_chars}; "
                "raise max_cjk_chars or lower min_chars."
            )
        words = self.extra_stopwords
        if (
            isinstance(words, str)
            or not isinstance(words, Iterable)
            or not all(isinstance(w, str) for w in words)
        ):
            raise ParameterError("extra_stopwords", f"must be a list of strings, got {self.extra_stopwords!r}.")

    # ------------------------------------------------------------------ public API
    def tokenize(self, text: str, lang: str | None) -> list[str]:
        """Tokenise one text in the given language.

        Parameters
        ----------
        text : str
            Any Unicode text. Non-strings (None, NaN) give no tokens.
        lang : str or None
            Language tag of the text; ``None`` or ``"und"`` falls back by script.

        Returns
        -------
        list of str
            Tokens in text order, lemmatised and lowercased for non-CJK scripts.
        """
        if not isinstance(text, str) or not text:
            return []
        code = normalize_lang(lang)
        text = _URL_RE.sub(" ", text)
        out: list[str] = []
        korean = self._korean(text) if _HANGUL_RE.search(text) else None
        next_korean = 0
        for match in _RUN_RE.finditer(text):
            kind = match.lastgroup
            run = match.group()
            if kind == "word":
                token = self._word(run, code)
                if token is not None:
                    out.append(token)
            elif kind == "hangul":
                if korean is not None:  # the analyser's words that start in this run
                    while next_korean < len(korean) and korean[next_korean][0] < match.end():
                        start, word = korean[next_korean]
                        next_korean += 1
                        if start >= match.start() and self._keep_cjk(word, "ko", _MAX_WORD_CHARS):
                            out.append(word)
                elif self._keep_cjk(run, "ko", _MAX_WORD_CHARS):  # space-delimited: no length cap
                    out.append(run)
            elif (code == "ja" or _KANA_RE.search(run)) and japanese_analyser() is not None:
                out.extend(w for _, w in japanese_analyser()(run) if self._keep_cjk(w, "ja", _MAX_WORD_CHARS))
            elif code == "ja" or _KANA_RE.search(run):
                _warn_fallback("ja")
                # katakana loanwords (インターネット) are often longer than Chinese words
                out.extend(
                    t for t in self._japanese(run)
                    if self._keep_cjk(t, "ja", _MAX_WORD_CHARS if _KANA_RE.match(t) else None)
                )
            else:
                out.extend(t for t in self._chinese(run) if self._keep_cjk(t, "zh"))
        return out

    def tokenize_many(
        self, texts: Sequence[str], langs: Sequence[str | None]
    ) -> list[list[str]]:
        """Tokenise many texts, each in its own language.

        Parameters
        ----------
        texts : sequence of str
            The texts.
        langs : sequence of str or None
            One language tag per text.

        Returns
        -------
        list of list of str
            The tokens of each text.

        Raises
        ------
        ParameterError
            If ``texts`` and ``langs`` differ in length.
        """
        # as_langs turns None and "" into "und", which tokenize treats as None.
        return [self.tokenize(t, lang) for t, lang in zip(texts, as_langs(langs, len(texts)))]

    # ------------------------------------------------------------------ internals
    def _stops(self, code: str | None) -> frozenset[str]:
        stops = self._stop_cache.get(code)
        if stops is None:
            stops = self._extra
            if self.stopwords:
                for lang in ("en",) + ((code,) if code else _FALLBACK_STOP_LANGS):
                    stops = stops | _stopwords_for(lang)
            self._stop_cache[code] = stops
        return stops

    def _word(self, run: str, code: str | None) -> str | None:
        key = (run, code)
        try:
            return self._word_cache[key]
        except KeyError:
            pass
        token = self._word_uncached(run, code)
        if len(self._word_cache) > 500_000:
            self._word_cache.clear()
        self._word_cache[key] = token
        return token

    def _word_uncached(self, run: str, code: str | None) -> str | None:
        if len(run) < self.min_chars or len(run) > _MAX_WORD_CHARS:
            return None
        if _DIGIT_RE.search(run) or not _LETTER_RE.search(run):
            return None
        low = run.lower()
        stops = self._stops(code)
        if low in stops or low in _URL_DEBRIS:
            return None
        if self.lemmatize and code is not None and code in _lemma_languages():
            low = _lemma(run, code).lower()
            if low in stops or low in _URL_DEBRIS or _DIGIT_RE.search(low):
                return None
            if len(low) < self.min_chars:
                return None
        return low

    def _keep_cjk(self, token: str, code: str, max_chars: int | None = None) -> bool:
        if not (max(self.min_chars, 2) <= len(token) <= (max_chars or self.max_cjk_chars)):
            return False
        if _ZH_NUMERAL_RE.fullmatch(token):
            return False
        return token not in self._stops(code)

    def _korean(self, text: str) -> list[tuple[int, str]] | None:
        """The Korean analyser's content words of ``text`` with their offsets, in order."""
        analyse = korean_analyser()
        if analyse is None:
            _warn_fallback("ko")
            return None
        return analyse(text)

    def _chinese(self, run: str) -> list[str]:
        # jieba's dictionary is Simplified: segment a Traditional run converted character for
        # character, then cut the original at the same places.
        convert = traditional_to_simplified()
        simple = convert(run) if convert is not None else run
        if len(simple) != len(run):
            simple = run
        out: list[str] = []
        start = 0
        for word in _jieba().lcut(simple):
            end = start + len(word)
            if len(word) <= self.max_cjk_chars:
                out.append(run[start:end])
            else:  # split an over-long word into dictionary words
                inner = start
                for part in _jieba().lcut(word, HMM=False):
                    if part != word:
                        out.append(run[inner:inner + len(part)])
                    inner += len(part)
            start = end
        return out

    def _japanese(self, run: str) -> list[str]:
        out: list[str] = []
        for part in _JA_PART_RE.finditer(run):
            text = part.group()
            if part.lastgroup == "kata" or len(text) <= 2:
                out.append(text)
            else:
                out.extend(text[i : i + 2] for i in range(len(text) - 1))
        return out

    def __repr__(self) -> str:
        return (
            f"MultilingualTokenizer(stopwords={self.stopwords}, lemmatize={self.lemmatize}, "
            f"extra_stopwords={list(self.extra_stopwords)!r}, min_chars={self.min_chars}, "
            f"max_cjk_chars={self.max_cjk_chars})"
        )


def whitespace_vectorizer(
    min_df: int | float = 1, ngram_range: tuple[int, int] = (1, 1)
) -> CountVectorizer:
    """A ``CountVectorizer`` for text already tokenised and joined by spaces.

    Tokens are taken exactly as given: no lowercasing, no accent stripping, no token pattern
    (so two-character Chinese words and hyphenated words survive). Use it as BERTopic's
    ``vectorizer_model`` on ``" ".join(tokens)`` documents.

    Parameters
    ----------
    min_df : int or float, default=1
        Passed to ``CountVectorizer``.
    ngram_range : tuple of int, default=(1, 1)
        Passed to ``CountVectorizer``; n-grams are joined with one space.

    Returns
    -------
    sklearn.feature_extraction.text.CountVectorizer
        An unfitted vectorizer (picklable).
    """
    if (
        not isinstance(ngram_range, (tuple, list))
        or len(ngram_range) != 2
        or not all(isinstance(n, int) and n >= 1 for n in ngram_range)
        or ngram_range[0] > ngram_range[1]
    ):
        raise ParameterError(
            "ngram_range", f"must be two integers (min, max) with 1 <= min <= max, got {ngram_range!r}; "
            "use e.g. (1, 1) or (1, 2)."
        )
    if isinstance(min_df, bool) or not isinstance(min_df, (int, float)) or min_df <= 0:
        raise ParameterError(
            "min_df", f"must be a positive int (documents) or a float in (0, 1] (fraction), got {min_df!r}."
        )
    return CountVectorizer(
        tokenizer=str.split,
        token_pattern=None,
        lowercase=False,
        strip_accents=None,
        preprocessor=None,
        stop_words=None,
        min_df=min_df,
        ngram_range=tuple(ngram_range),
    )
