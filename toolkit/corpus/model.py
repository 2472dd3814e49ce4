"""The corpus data model: documents as loaded, segments as clustered."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Document", "Segment", "Corpus"]


@dataclass(frozen=True)
class Document:
    """One corpus item as read from disk, after cleaning.

    Attributes
    ----------
    id : str
        Stable identifier (file stem for text folders, the ``id`` field for JSONL/CSV,
        otherwise the 1-based line number).
    text : str
        The cleaned text.
    lang : str or None
        ISO 639-1 code, given by the input or detected; ``None`` when unknown.
    date : str or None
        ISO date ``YYYY-MM-DD`` or ``None``.
    label : str or None
        Gold theme, used only for evaluation.
    group : str or None
        Items that are translations of each other share a group.
    source : str
        The file the item came from.
    meta : dict
        Any other fields of the input record.
    lang_given : bool
        True when ``lang`` came from the input rather than detection.
    encoding : str or None
        How its file was decoded (``utf-8``, ``utf-16``, ``cp1251 (detected)``); ``None`` for
        items that did not come from a text file.
    """

    id: str
    text: str
    lang: str | None = None
    date: str | None = None
    label: str | None = None
    group: str | None = None
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    lang_given: bool = False
    encoding: str | None = None


@dataclass(frozen=True)
class Segment:
    """One unit that is embedded and clustered (a document, paragraph, sentence or window).

    ``id`` is the document id when the unit is the whole document, else ``<doc id>#<n>``
    with ``n`` counting from 0 within the document.
    """

    id: str
    doc_id: str
    text: str
    lang: str | None = None
    date: str | None = None
    label: str | None = None
    group: str | None = None


@dataclass
class Corpus:
    """Documents and the segments cut from them, plus what cleaning removed."""

    documents: list[Document]
    segments: list[Segment]
    cleaning: dict[str, int] = field(default_factory=dict)
    #: What about the input a user should know that did not stop the reading (one line each).
    warnings: list[str] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [s.text for s in self.segments]

    @property
    def langs(self) -> list[str]:
        return [s.lang or "und" for s in self.segments]

    @property
    def ids(self) -> list[str]:
        return [s.id for s in self.segments]

    @property
    def languages(self) -> list[str]:
        """Sorted distinct segment languages."""
        return sorted(set(self.langs))

    def __len__(self) -> int:
        return len(self.segments)
