"""Read corpus files (a folder of .txt, JSONL, CSV/TSV, Parquet) into raw documents.

Reading is all this module does; cleaning, language identification and segmentation happen in
:mod:`toolkit.corpus.prepare`.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import re
from pathlib import Path
from typing import Any, Iterator

from toolkit.corpus.encoding import AUTO, open_text, read_text
from toolkit.corpus.model import Document
from toolkit.errors import CorpusError

__all__ = ["read_documents", "detect_format", "parse_date", "record_document"]

log = logging.getLogger(__name__)

# `date YYYY-MM-DD` at the start of a text file (leading spaces allowed); the rest of that
# line, if any, is text.
_DATE_LINE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*", re.IGNORECASE)
_KNOWN_JSONL_KEYS = {"id", "text", "lang", "date", "label", "group"}


def parse_date(value: Any, where: str) -> str | None:
    """Normalise a date value to ``YYYY-MM-DD``; empty gives None; junk is a CorpusError."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise CorpusError(
            f"{where}: date {text!r} is not an ISO date (YYYY-MM-DD); fix it or remove the field"
        ) from None


def detect_format(path: Path, declared: str = "auto") -> str:
    """Decide the corpus format from the config value and the path."""
    if declared != "auto":
        return declared
    if path.is_dir():
        return "txt"
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson"}:
        return "jsonl"
    if suffix in {".csv", ".tsv"}:
        return "csv"
    if suffix == ".txt":
        return "txt"
    if suffix in {".parquet", ".pq"}:
        return "parquet"
    raise CorpusError(
        f"{path}: cannot tell the corpus format from the name; set corpus.format to txt, jsonl, csv "
        "or parquet"
    )


def _txt_documents(path: Path, encoding: str = AUTO) -> Iterator[Document]:
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".txt") if path.is_dir() else [path]
    if not files:
        raise CorpusError(f"{path}: the folder holds no .txt files")
    for file in files:
        raw, decoded = read_text(file, encoding)
        date = None
        match = _DATE_LINE.match(raw)
        if match:
            date = parse_date(match.group(1), str(file))
            raw = raw[match.end():]
        yield Document(id=file.stem, text=raw, date=date, source=str(file), encoding=decoded.label)


def _clean_str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _jsonl_documents(path: Path, encoding: str = AUTO) -> Iterator[Document]:
    seen: set[str] = set()
    handle, decoded = open_text(path, encoding)
    with handle:
        for lineno, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{where}: not valid JSON ({exc.msg}, column {exc.colno})") from None
            if not isinstance(record, dict):
                raise CorpusError(f"{where}: each line must be a JSON object with a 'text' field")
            if "text" not in record or not isinstance(record["text"], str):
                raise CorpusError(f"{where}: missing 'text' (a string) in this JSON object")
            yield record_document(record, where, str(lineno), seen, path, encoding=decoded.label)


def record_document(record: dict, where: str, default_id: str, seen: set[str], path: Path | str, *,
                    encoding: str | None = None) -> Document:
    """One record (a JSONL line, a Parquet row, a Python input; ``text`` already checked) as a
    Document; ``where`` names it in errors, ids must be unique within ``seen``; ``encoding``
    is how its file was decoded."""
    doc_id = _clean_str(record.get("id")) or default_id
    if doc_id in seen:
        raise CorpusError(f"{where}: duplicate id {doc_id!r}; ids must be unique")
    seen.add(doc_id)
    lang = _clean_str(record.get("lang"))
    return Document(
        id=doc_id,
        text=record["text"],
        lang=lang.lower() if lang else None,
        lang_given=lang is not None,
        date=parse_date(record.get("date"), where),
        label=_clean_str(record.get("label")),
        group=_clean_str(record.get("group")),
        source=str(path),
        meta={k: v for k, v in record.items() if k not in _KNOWN_JSONL_KEYS},
        encoding=encoding,
    )


def _parquet_documents(path: Path) -> Iterator[Document]:
    """Documents from a Parquet file with the JSONL columns, read one row batch at a time."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise CorpusError(f"{path}: corpus.format parquet needs pyarrow: pip install pyarrow "
                          "(or pip install \"topicbridge[ray]\", which includes it)") from None
    try:
        handle = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise CorpusError(f"{path}: not a readable Parquet file ({exc})") from None
    names = set(handle.schema_arrow.names)
    if "text" not in names:
        raise CorpusError(f"{path}: no column 'text' (columns: {', '.join(sorted(names)) or 'none'})")
    wanted = [c for c in ("id", "text", "lang", "date", "label", "group") if c in names]
    extra = sorted(names - _KNOWN_JSONL_KEYS)
    seen: set[str] = set()
    rowno = 0
    for batch in handle.iter_batches(batch_size=65536, columns=wanted + extra):
        for record in batch.to_pylist():
            rowno += 1
            where = f"{path}:row {rowno}"
            if not isinstance(record.get("text"), str):
                raise CorpusError(f"{where}: 'text' is missing or not a string")
            yield record_document(record, where, str(rowno), seen, path)


def _csv_documents(path: Path, columns: dict[str, str | None], encoding: str = AUTO) -> Iterator[Document]:
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    handle, decoded = open_text(path, encoding, newline="")
    with handle:
        reader = csv.DictReader(handle, delimiter=delimiter)
        header = reader.fieldnames or []
        text_col = columns["text"]
        if text_col not in header:
            raise CorpusError(
                f"{path}: no column {text_col!r} (columns: {', '.join(header) or 'none'}); "
                f"set corpus.text_column"
            )
        present = {k: (c if c in header else None) for k, c in columns.items()}
        used = {c for c in present.values() if c}
        seen: set[str] = set()
        for rowno, row in enumerate(reader, start=2):
            where = f"{path}:{rowno}"
            get = lambda key: _clean_str(row.get(present[key])) if present[key] else None  # noqa: E731
            doc_id = get("id") or str(rowno - 1)
            if doc_id in seen:
                raise CorpusError(f"{where}: duplicate id {doc_id!r}; ids must be unique")
            seen.add(doc_id)
            lang = get("lang")
            yield Document(
                id=doc_id,
                text=row.get(text_col) or "",
                lang=lang.lower() if lang else None,
                lang_given=lang is not None,
                date=parse_date(get("date"), where),
                label=get("label"),
                group=get("group"),
                source=str(path),
                meta={k: v for k, v in row.items() if k not in used and k is not None},
                encoding=decoded.label,
            )


def read_documents(path: str | Path, fmt: str = "auto", *, limit: int | None = None,
                   columns: dict[str, str | None] | None = None, encoding: str = AUTO) -> list[Document]:
    """Read raw documents from a corpus path.

    Parameters
    ----------
    path : str or Path
        A folder of ``.txt`` files, a ``.jsonl``, ``.csv``/``.tsv`` or ``.parquet`` file.
    fmt : {"auto", "txt", "jsonl", "csv", "parquet"}
        The format; ``auto`` decides from the path.
    limit : int, optional
        Read only the first ``limit`` documents.
    columns : dict, optional
        CSV column mapping: keys ``text``, ``id``, ``lang``, ``date``, ``label``, ``group``.
    encoding : str, default "auto"
        Text encoding of the files (``corpus.encoding``): ``auto`` (BOM, UTF-16, UTF-8, then
        detection, see :mod:`toolkit.corpus.encoding`), ``utf-8`` or a Python codec name.
        Each document records how its file was decoded (``Document.encoding``).

    Returns
    -------
    list of Document
        Texts as read (not cleaned), ids unique.
    """
    path = Path(path)
    if not path.exists():
        raise CorpusError(f"{path}: corpus path does not exist (corpus.path; relative paths resolve "
                          f"against the current directory {Path.cwd()})")
    kind = detect_format(path, fmt)
    if kind == "txt":
        docs: Iterator[Document] = _txt_documents(path, encoding)
    elif kind == "parquet":
        if path.is_dir():
            raise CorpusError(f"{path}: corpus.format is parquet but the path is a folder")
        docs = _parquet_documents(path)
    elif kind == "jsonl":
        if path.is_dir():
            raise CorpusError(f"{path}: corpus.format is jsonl but the path is a folder")
        docs = _jsonl_documents(path, encoding)
    else:
        if path.is_dir():
            raise CorpusError(f"{path}: corpus.format is csv but the path is a folder")
        cols = {"text": "text", "id": "id", "lang": "lang", "date": "date", "label": "label", "group": "group"}
        cols.update(columns or {})
        docs = _csv_documents(path, cols, encoding)
    out: list[Document] = []
    for doc in docs:
        out.append(doc)
        if limit is not None and len(out) >= limit:
            break
    if not out:
        raise CorpusError(f"{path}: the corpus holds no documents")
    log.info("read %d documents from %s (%s)", len(out), path, kind)
    return out
