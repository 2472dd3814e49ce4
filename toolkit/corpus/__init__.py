"""Corpus loading: read files, clean, identify languages, segment.

``load_corpus(config.corpus)`` is the whole step; the pieces are usable on their own.
"""

from __future__ import annotations

from toolkit.corpus.load import read_documents
from toolkit.corpus.model import Corpus, Document, Segment

__all__ = ["Corpus", "Document", "Segment", "read_documents", "load_corpus"]


def load_corpus(config) -> Corpus:
    """Read, clean, identify languages and segment the corpus named by a ``CorpusConfig``.

    Parameters
    ----------
    config : toolkit.config.CorpusConfig
        The ``corpus`` section of an experiment config.

    Returns
    -------
    Corpus
    """
    from toolkit.corpus.prepare import prepare_corpus

    columns = {
        "text": config.text_column, "id": config.id_column, "lang": config.lang_column,
        "date": config.date_column, "label": config.label_column, "group": config.group_column,
    }
    documents = read_documents(config.path, config.format, limit=config.limit, columns=columns)
    return prepare_corpus(
        documents,
        unit=config.unit,
        clean=config.clean,
        min_chars_cjk=config.min_chars_cjk,
        min_words=config.min_words,
        window_size=config.window_size,
        window_overlap=config.window_overlap,
        languages=config.languages,
    )
