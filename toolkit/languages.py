"""Language codes: one normalisation for every module that keys anything by language."""

from __future__ import annotations

import functools
import re

__all__ = ["MACRO_LANGUAGES", "NO_LANGUAGE", "normalize_language_code"]

#: Variant and three-letter labels -> their ISO 639-1 (macro) language.
MACRO_LANGUAGES: dict[str, str] = {
    # Chinese varieties and common three-letter spellings
    "wuu": "zh", "yue": "zh", "cmn": "zh", "zho": "zh", "chi": "zh", "hak": "zh",
    "nan": "zh", "gan": "zh", "hsn": "zh", "cjy": "zh", "lzh": "zh",
    # Arabic varieties
    "arz": "ar", "ary": "ar", "apc": "ar", "ajp": "ar", "acm": "ar", "arb": "ar", "ara": "ar",
    # others
    "uzs": "uz", "uzn": "uz", "sdh": "ku", "ckb": "ku", "kmr": "ku", "ltg": "lv",
    "lvs": "lv", "nn": "no", "nb": "no", "nob": "no", "nno": "no", "gug": "gn",
    "fuv": "ff", "hbo": "he", "iw": "he", "in": "id", "ji": "yi", "zsm": "ms",
    "pes": "fa", "prs": "fa", "ekk": "et", "khk": "mn", "npi": "ne", "swh": "sw",
    "als": "sq", "azj": "az", "plt": "mg", "quy": "qu", "ydd": "yi", "sh": "sr",
    # frequent ISO 639-2/3 spellings of the large languages
    "rus": "ru", "deu": "de", "ger": "de", "eng": "en", "fra": "fr", "fre": "fr",
    "spa": "es", "por": "pt", "ita": "it", "jpn": "ja", "kor": "ko", "ukr": "uk",
    "pol": "pl", "nld": "nl", "dut": "nl", "tur": "tr", "vie": "vi", "hin": "hi",
    # ISO 639-2/3 spellings that only the keyword side had listed
    "ces": "cs", "cze": "cs", "swe": "sv", "fin": "fi", "dan": "da", "ell": "el", "gre": "el",
    "hun": "hu", "ron": "ro", "rum": "ro", "bul": "bg", "heb": "he", "fas": "fa", "per": "fa",
    "ind": "id",
}

#: Labels that mean "no language".
NO_LANGUAGE = frozenset({"", "zxx", "und", "unk", "unknown", "xx", "mul", "mis", "none"})


@functools.lru_cache(maxsize=4096)
def normalize_language_code(code: str | None) -> str | None:
    """Map a language label to its ISO 639-1 (macro) language code.

    Parameters
    ----------
    code : str or None
        A label such as ``"de"``, ``"de-AT"``, ``"zh_Hans"``, ``"wuu"`` or ``"rus"``.

    Returns
    -------
    str or None
        ``"de"``, ``"de"``, ``"zh"``, ``"zh"``, ``"ru"``; ``None`` for empty input or labels
        meaning "no language" (``zxx``, ``und``). Unknown labels come back lowercased.
    """
    if code is None:
        return None
    base = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    if not base or base in NO_LANGUAGE:
        return None
    return MACRO_LANGUAGES.get(base, base)
