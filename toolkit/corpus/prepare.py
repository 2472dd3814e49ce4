"""Turn raw documents into a :class:`~toolkit.corpus.model.Corpus` of segments.

The steps, per document: clean the text (:func:`~toolkit.corpus.clean.clean_text`), drop
it when nothing is left, detect its language unless the input gave one, cut it into units
(:func:`~toolkit.corpus.segment.segment_text`) and give each segment its own language.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import Counter
from collections.abc import Sequence

from toolkit.corpus.clean import RULE_NAMES, clean_text
from toolkit.corpus.langid import LanguageIdentifier, normalize_language_code
from toolkit.languages import is_known_language
from toolkit.corpus.model import Corpus, Document, Segment
from toolkit.corpus.segment import segment_text

__all__ = ["prepare_corpus", "MIN_SEGMENT_LETTERS", "MIN_SEGMENT_CONFIDENCE"]

logger = logging.getLogger(__name__)

#: A segment with fewer letters keeps its document's language instead of its own guess
#: (a Han, kana or Hangul character counts as three letters).
MIN_SEGMENT_LETTERS = 20
#: A segment whose detected language is less certain than this keeps the document's.
MIN_SEGMENT_CONFIDENCE = 0.9


_DENSE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")


def _letters(text: str) -> int:
    """Letters in ``text``, a CJK character counting as three."""
    return sum(1 for c in text if c.isalpha()) + 2 * len(_DENSE.findall(text))


def prepare_corpus(
    documents: list[Document],
    *,
    unit: str = "sentence",
    clean: bool = True,
    min_chars_cjk: int = 8,
    min_words: int = 4,
    window_size: int = 3,
    window_overlap: int = 1,
    languages: Sequence[str] | None = None,
) -> Corpus:
    """Clean, language-tag and segment raw documents.

    Parameters
    ----------
    documents : list of Document
        Documents as loaded (uncleaned text; ``lang`` set with ``lang_given=True`` only when
        the input gave one).
    unit : {"document", "paragraph", "sentence", "window"}, default "sentence"
        The unit to cut documents into, see :func:`~toolkit.corpus.segment.segment_text`.
    clean : bool, default True
        Apply :func:`~toolkit.corpus.clean.clean_text`.
    min_chars_cjk, min_words, window_size, window_overlap : int
        Passed to :func:`~toolkit.corpus.segment.segment_text`.
    languages : sequence of str, optional
        Restrict language detection to these ISO 639-1 codes.

    Returns
    -------
    Corpus
        Documents with cleaned text and language, their segments (ids ``<doc id>#<n>``,
        or the document id when ``unit="document"``), and ``cleaning``: the number of
        lines/items each cleaning rule removed plus ``empty_documents``.

    Raises
    ------
    ConfigError
        If ``unit``, a size parameter or a language code is invalid.
    """
    # Validate the segmentation parameters up front, even for an empty corpus.
    segment_text("", unit, min_chars_cjk=min_chars_cjk, min_words=min_words,
                 window_size=window_size, window_overlap=window_overlap)
    identifier = LanguageIdentifier(languages)
    if languages is not None:
        identifier.detect("")  # validates the codes now, with a clear ConfigError

    removed: Counter[str] = Counter()
    kept: list[Document] = []
    empty = 0
    unknown: Counter[str] = Counter()
    for doc in documents:
        if clean:
            text, counts = clean_text(doc.text)
            removed.update(counts)
        else:
            text = doc.text.strip()
        if not text:
            empty += 1
            logger.debug("document %s is empty after cleaning; dropped", doc.id)
            continue
        # A given code wins; an empty or "undetermined" one (und, zxx) counts as not given.
        lang = normalize_language_code(doc.lang) if doc.lang_given else None
        if lang is not None and not is_known_language(lang):
            unknown[str(doc.lang)] += 1  # kept as given: the user's label, but worth a word
        given = lang is not None
        if not given:
            lang = identifier.detect(text)
        kept.append(dataclasses.replace(doc, text=text, lang=lang, lang_given=given))

    segments: list[Segment] = []
    for doc in kept:
        pieces = segment_text(
            doc.text, unit, doc.lang, min_chars_cjk=min_chars_cjk, min_words=min_words,
            window_size=window_size, window_overlap=window_overlap,
        )
        for n, piece in enumerate(pieces):
            seg_id = doc.id if unit == "document" else f"{doc.id}#{n}"
            lang = doc.lang
            if (unit != "document" and not doc.lang_given and piece != doc.text
                    and _letters(piece) >= MIN_SEGMENT_LETTERS):
                found, confidence = identifier.detect_with_confidence(piece)
                if found is not None and confidence >= MIN_SEGMENT_CONFIDENCE:
                    lang = found
            segments.append(Segment(
                id=seg_id, doc_id=doc.id, text=piece, lang=lang, date=doc.date,
                label=doc.label, group=doc.group,
            ))

    cleaning = {name: int(removed.get(name, 0)) for name in RULE_NAMES}
    cleaning.update({k: int(v) for k, v in removed.items() if k not in cleaning})
    cleaning["empty_documents"] = empty
    if empty:
        logger.info("%d of %d documents were empty after cleaning", empty, len(documents))
    logger.info("prepared %d documents into %d %s segments; languages: %s", len(kept),
                len(segments), unit, dict(Counter(s.lang or "und" for s in segments)))
    warnings = []
    if unknown:
        shown = ", ".join(f"{code!r} ({n})" for code, n in unknown.most_common(5))
        warnings.append(f"{sum(unknown.values())} documents give a language that is not an ISO 639-1 code: {shown}; "
                        f"they are kept under that label, without stopwords or lemmas of their own (use codes "
                        f"such as 'de', 'ru', 'zh', or leave the language out to have it detected)")
    return Corpus(documents=kept, segments=segments, cleaning=cleaning, warnings=warnings)
