"""Corpus loading: read files, clean, identify languages, segment.

``load_corpus(config.corpus)`` is the whole step; the pieces are usable on their own.
"""

from __future__ import annotations

from toolkit.corpus.load import read_documents
from toolkit.corpus.model import Corpus, Document, Segment
from toolkit.errors import ConfigError, ParameterError, short_repr

__all__ = ["Corpus", "Document", "Segment", "read_documents", "load_corpus", "prepare_documents"]


def load_corpus(config) -> Corpus:
    """Read, clean, identify languages and segment the corpus named by a ``CorpusConfig``.

    Parameters
    ----------
    config : toolkit.config.CorpusConfig
        The ``corpus`` section of an experiment config.

    Returns
    -------
    Corpus

    Raises
    ------
    ConfigError
        ``corpus.path`` is not set.
    CorpusError
        The corpus cannot be read.
    """
    if not hasattr(config, "path") or not hasattr(config, "unit"):
        raise ParameterError("config", f"expected a CorpusConfig (load_config(...).corpus), got "
                                       f"{short_repr(config)}; for a file path use read_documents(path)")
    if config.path is None:
        raise ConfigError("corpus.path: not set; name the corpus file or folder in the config or with "
                          "--set corpus.path=PATH")
    columns = {
        "text": config.text_column, "id": config.id_column, "lang": config.lang_column,
        "date": config.date_column, "label": config.label_column, "group": config.group_column,
    }
    notes: list[str] = []
    documents = read_documents(config.path, config.format, limit=config.limit, columns=columns,
                               encoding=config.encoding, date_format=config.date_format, notes=notes)
    corpus = prepare_documents(documents, config)
    corpus.warnings[:0] = notes
    return corpus


def prepare_documents(documents: list[Document], config) -> Corpus:
    """Clean, identify languages and segment documents as a ``CorpusConfig`` says.

    The preparation half of :func:`load_corpus`, for documents that did not come from a file
    (``TopicBridge.fit`` on Python lists).
    """
    from toolkit.corpus.prepare import prepare_corpus

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
