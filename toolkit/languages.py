"""Language codes: one normalisation for every module that keys anything by language."""

from __future__ import annotations

import functools
import re

__all__ = ["MACRO_LANGUAGES", "NO_LANGUAGE", "ISO_639_1", "normalize_language_code", "is_known_language"]

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

#: The ISO 639-1 two-letter language codes (the standard's list).
ISO_639_1 = frozenset("""
aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz
ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii
ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi
mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw
sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk
ur uz ve vi vo wa wo xh yi yo za zh zu
""".split())

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


def is_known_language(code: str | None) -> bool:
    """Whether a label means a language topicbridge knows (an ISO 639-1 code after
    :func:`normalize_language_code`); labels meaning "no language" are not."""
    return normalize_language_code(code) in ISO_639_1
