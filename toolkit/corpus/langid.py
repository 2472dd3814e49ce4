"""Language identification: ISO 639-1 codes for texts in any language.

:class:`LanguageIdentifier` wraps py3langid (a naive-Bayes byte n-gram model covering
about 140 languages, loaded once per process and shared). The choice over lingua is
measured in ``experiments/langid_benchmark.py`` and recorded in ``docs/langid.md``.

Four things are added on top of the raw model:

* text without any letter (digits, punctuation, emoji) is ``None``, not a guess;
* variant and regional labels map to their macro language (``wuu``/``yue`` -> ``zh``,
  ``arz``/``ary`` -> ``ar``, ``nn`` -> ``no`` ...), so a short Chinese phrase that the model
  calls Wu Chinese still counts as Chinese;
* text written mostly in a script used by one language (Hangul, kana, Greek, Thai ...)
  gets that language directly, and text mostly in Han characters is Chinese;
* the model's answer must be written in the text's main script: two Latin words are never
  Chinese, Cyrillic text is never German.

Scripts are weighed in words, a Han, kana or Hangul character counting as one word, so a
Chinese sentence with a few Latin names stays Chinese.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from toolkit.errors import ConfigError
from toolkit.languages import MACRO_LANGUAGES, normalize_language_code

__all__ = ["LanguageIdentifier", "MACRO_LANGUAGES", "normalize_language_code", "supported_languages"]

logger = logging.getLogger(__name__)

#: Labels of the model (or of the input) that belong to a macro language with an
#: ISO 639-1 code. Labels with no 639-1 code (e.g. ``ace``) are returned unchanged.

#: Probabilities below this are ignored once an answer is found.
_NEGLIGIBLE = 1e-6


# Scripts that (almost) identify one language: (regex of the script, language).
_SCRIPT_LANGUAGES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]"), "el"),
    (re.compile(r"[\u0e00-\u0e7f]"), "th"),
    (re.compile(r"[\u0530-\u058f]"), "hy"),
    (re.compile(r"[\u10a0-\u10ff]"), "ka"),
    (re.compile(r"[\u0e80-\u0eff]"), "lo"),
    (re.compile(r"[\u1780-\u17ff]"), "km"),
    (re.compile(r"[\u1000-\u109f]"), "my"),
    (re.compile(r"[\u0d80-\u0dff]"), "si"),
    (re.compile(r"[\u0b80-\u0bff]"), "ta"),
    (re.compile(r"[\u0c00-\u0c7f]"), "te"),
    (re.compile(r"[\u0c80-\u0cff]"), "kn"),
    (re.compile(r"[\u0d00-\u0d7f]"), "ml"),
    (re.compile(r"[\u0a80-\u0aff]"), "gu"),
    (re.compile(r"[\u0a00-\u0a7f]"), "pa"),
    (re.compile(r"[\u0b00-\u0b7f]"), "or"),
    (re.compile(r"[\u1200-\u137f]"), "am"),
)
_HANGUL = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
# Any character outside Latin, Cyrillic, digits and common punctuation.
_OTHER_SCRIPT = re.compile(r"[^\u0000-\u036f\u0400-\u052f\u1e00-\u1eff\u2000-\u206f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LETTER = re.compile(r"[^\W\d_]")
# Scripts where one character carries about as much as a word elsewhere.
_DENSE = re.compile(
    r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    r"\uf900-\ufaff\uac00-\ud7af]"
)
_WORD = re.compile(r"[^\W\d_]+")


def _units(text: str) -> tuple[str, int]:
    """(text with dense characters blanked, size in units): a dense character or a word."""
    sparse = _DENSE.sub(" ", text)
    return sparse, len(text) - len(_DENSE.sub("", text)) + len(_WORD.findall(sparse))


def _runs(pattern: re.Pattern[str], text: str) -> int:
    """Number of maximal runs of characters matching the one-character ``pattern``."""
    return len(re.findall(f"(?:{pattern.pattern})+", text))


# Scripts shared by several languages: a text written mostly in one of them can only be
# in one of these languages. Latin text can be in any language not listed under
# _NOT_LATIN. Languages written in two scripts (sr, uz, az, ku ...) are not excluded.
_SHARED_SCRIPTS: tuple[tuple[re.Pattern[str], frozenset[str]], ...] = (
    (re.compile(r"[\u0400-\u052f\u1c80-\u1c8f\ua640-\ua69f]"),
     frozenset("ru uk bg mk be kk ky tg tt ba mn sr uz az cv ce os sah".split())),
    (re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]"),
     frozenset("ar fa ur ps ug ku sd ks ckb".split())),
    (re.compile(r"[\u0590-\u05ff]"), frozenset("he yi".split())),
    (re.compile(r"[\u0900-\u097f]"), frozenset("hi mr ne sa gom mai bh".split())),
    (re.compile(r"[\u0980-\u09ff]"), frozenset("bn as".split())),
)
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
_NOT_LATIN = (
    frozenset().union(*(langs for _, langs in _SHARED_SCRIPTS))
    | frozenset(lang for _, lang in _SCRIPT_LANGUAGES)
    | frozenset({"zh", "ja", "ko", "dz", "grc"})
) - frozenset("sr uz az ku tk crh tt".split())


def _script_filter(text: str) -> Callable[[str], bool] | None:
    """A test ``ok(lang)`` for languages consistent with the text's main script, or None.

    Scripts are weighed in words (a Han or Hangul character counts as one word), and a
    script is the main one when it holds more than half of them.
    """
    sparse, units = _units(text)
    if _runs(_LATIN, sparse) * 2 > units:
        return lambda lang: lang not in _NOT_LATIN
    for pattern, langs in _SHARED_SCRIPTS:
        if _runs(pattern, sparse) * 2 > units:
            return langs.__contains__
    return None


@functools.lru_cache(maxsize=1)
def _base_model() -> Any:
    """Load the py3langid model once per process (about 1.5 s)."""
    from py3langid.langid import MODEL_FILE
    from py3langid.langid import LanguageIdentifier as _Py3LangId

    logger.debug("loading py3langid model")
    return _Py3LangId.from_model_file(MODEL_FILE, norm_probs=True)


def supported_languages() -> list[str]:
    """ISO 639-1 (or, lacking one, ISO 639-3) codes the identifier can return, sorted."""
    labels = {normalize_language_code(label) for label in _base_model().labels}
    return sorted(label for label in labels if label)


@functools.lru_cache(maxsize=16)
def _restricted_model(candidates: tuple[str, ...] | None) -> Any:
    """The shared model, restricted to the labels that map to ``candidates``."""
    base = _base_model()
    if candidates is None:
        return base
    labels = [lb for lb in base.labels if normalize_language_code(lb) in candidates]
    model = copy.copy(base)  # shares the weight arrays; set_languages rebinds, not mutates
    model.set_languages(labels)
    return model


class LanguageIdentifier:
    """Identify the language of texts as ISO 639-1 codes.

    Parameters
    ----------
    candidates : sequence of str, optional
        Restrict the answers to these languages (ISO 639-1 codes such as ``["ru", "de",
        "zh"]``). Restricting helps on short texts when the corpus languages are known.
        ``None`` (the default) allows every supported language.

    Raises
    ------
    ConfigError
        If a candidate code is not supported.

    Examples
    --------
    >>> LanguageIdentifier().detect("Das Krankenhaus liegt am Fluss.")
    'de'
    >>> LanguageIdentifier(["ru", "de", "zh"]).detect("中医药文化")
    'zh'
    """

    def __init__(self, candidates: Sequence[str] | None = None) -> None:
        self.candidates = candidates

    # -- helpers -----------------------------------------------------------------------
    @functools.cached_property
    def _allowed(self) -> tuple[str, ...] | None:
        if self.candidates is None:
            return None
        if isinstance(self.candidates, str):
            raise ConfigError(
                f"language candidates must be a list of codes such as ['ru', 'de'], "
                f"got the string {self.candidates!r}"
            )
        supported = set(supported_languages())
        allowed: list[str] = []
        for raw in self.candidates:
            code = normalize_language_code(str(raw))
            if code is None or code not in supported:
                raise ConfigError(
                    f"unsupported language code {raw!r} in the language candidates; use "
                    f"ISO 639-1 codes such as 'ru', 'de', 'zh' (supported: "
                    f"{', '.join(sorted(supported))})"
                )
            if code not in allowed:
                allowed.append(code)
        if not allowed:
            raise ConfigError(
                "the language candidates are empty; give at least one ISO 639-1 code "
                "or leave them unset to allow every language"
            )
        return tuple(sorted(allowed))

    def _by_script(self, text: str) -> str | None:
        """The language implied by a one-language script holding half the text, if allowed.

        Kana means Japanese, Hangul Korean, Han characters without kana Chinese; Greek,
        Thai, Armenian, Georgian ... their one language. Scripts are weighed in words
        (a Han or Hangul character counts as one word), so Chinese text with a few Latin
        names stays Chinese.
        """
        if not _OTHER_SCRIPT.search(text):
            return None  # only Latin, Cyrillic, digits and punctuation: ask the model

        def allowed(lang: str) -> bool:
            return self._allowed is None or lang in self._allowed

        sparse, units = _units(text)
        han = len(_HAN.findall(text))
        kana = len(_KANA.findall(text))
        # Japanese mixes kana into its kanji (well over a fifth of the characters); a
        # stray kana in Chinese text (a brand name with の) does not make it Japanese.
        japanese = kana * 5 >= kana + han > 0
        if japanese and (kana + han) * 2 >= units and allowed("ja"):
            return "ja"
        if len(_HANGUL.findall(text)) * 2 >= units and allowed("ko"):
            return "ko"
        if not japanese and han * 2 >= units and allowed("zh"):
            return "zh"
        for pattern, lang in _SCRIPT_LANGUAGES:
            if allowed(lang) and _runs(pattern, sparse) * 2 >= units:
                return lang
        return None

    # -- public API --------------------------------------------------------------------
    def detect_with_confidence(self, text: str) -> tuple[str | None, float]:
        """Identify the language of one text, with the model's confidence.

        Parameters
        ----------
        text : str
            Any text.

        Returns
        -------
        lang : str or None
            ISO 639-1 code (macro language), ``None`` when the text has no letters.
        confidence : float
            Probability of the answer in [0, 1]; 1.0 when a one-language script decided,
            0.0 for ``None``.
        """
        allowed = self._allowed  # validates the candidates on first use
        if not _LETTER.search(text):
            return None, 0.0
        by_script = self._by_script(text)
        if by_script is not None:
            return by_script, 1.0
        model = _restricted_model(allowed)
        scores = model.rank(text)
        # The answer is the best label (mapped to its macro language) whose language is
        # written in the text's script ("The Report" is not Chinese); its confidence sums
        # the labels of that language (wuu + zh), renormalised over consistent languages.
        ok = _script_filter(text)
        merged: dict[str, float] = {}
        best: str | None = None
        for label, prob in scores:  # best first
            if best is not None and prob < _NEGLIGIBLE:
                break  # the rest cannot change the answer or its confidence noticeably
            code = normalize_language_code(label)
            if code is None or (ok is not None and not ok(code)):
                continue
            merged[code] = merged.get(code, 0.0) + float(prob)
            if best is None:
                best = code
        if best is None:  # nothing consistent with the script (restricted candidates)
            label, prob = scores[0]
            best = normalize_language_code(label)
            return best, float(prob) if best else 0.0
        total = sum(merged.values())
        return best, min(1.0, merged[best] / total) if total > 0 else 0.0

    def detect(self, text: str) -> str | None:
        """Identify the language of one text.

        Parameters
        ----------
        text : str
            Any text.

        Returns
        -------
        str or None
            ISO 639-1 code, ``None`` when the text has no letters.
        """
        return self.detect_with_confidence(text)[0]

    def detect_many(self, texts: Iterable[str]) -> list[str | None]:
        """Identify the language of each text; see :meth:`detect`."""
        return [self.detect(t) for t in texts]

    def __repr__(self) -> str:
        return f"LanguageIdentifier(candidates={self.candidates!r})"
