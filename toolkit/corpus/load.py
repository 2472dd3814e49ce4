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
from toolkit.errors import CorpusError, ParameterError, short_repr

__all__ = ["read_documents", "detect_format", "parse_date", "record_document"]

log = logging.getLogger(__name__)

# `date YYYY-MM-DD` at the start of a text file (leading spaces allowed); the rest of that
# line, if any, is text.
_DATE_LINE = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\b[ \t]*", re.IGNORECASE)
_KNOWN_JSONL_KEYS = {"id", "text", "lang", "date", "label", "group"}


_YEAR = re.compile(r"^\d{4}$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_date(value: Any, where: str, date_format: str | None = None) -> str | None:
    """Normalise a date value; empty gives None; anything else unreadable is a CorpusError.

    Accepted: an ISO date (``2024-03-05``) or date-time (``2024-03-05T10:00:00Z``, the date
    is kept), a year-month (``2024-03``) or a year (``2024``), kept at that precision; with
    ``date_format`` (``corpus.date_format``, a ``strptime`` pattern such as ``%d.%m.%Y``) dates
    in that form too.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if date_format:
        try:
            return dt.datetime.strptime(text, date_format).date().isoformat()
        except ValueError:
            pass
    if _YEAR.match(text) and text != "0000":
        return text
    month = _YEAR_MONTH.match(text)
    if month and text[:4] != "0000" and 1 <= int(month.group(2)) <= 12:
        return text
    try:
        return dt.date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        shown = text if len(text) <= 40 else text[:37] + "..."
        hint = f" or the form corpus.date_format ({date_format!r}) gives" if date_format else \
            "; set corpus.date_format (e.g. '%d.%m.%Y') for other forms"
        raise CorpusError(
            f"{where}: date {shown!r} is not an ISO date (YYYY-MM-DD, YYYY-MM or YYYY){hint}; fix it or "
            f"remove the field"
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
    stems: dict[str, Path] = {}
    for file in files:
        if file.stem in stems:
            raise CorpusError(f"{file}: gives the document id {file.stem!r} like {stems[file.stem].name} (ids are "
                              f"file names without .txt); rename one of the two files")
        stems[file.stem] = file
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


def _jsonl_documents(path: Path, encoding: str = AUTO, date_format: str | None = None) -> Iterator[Document]:
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
            yield record_document(record, where, str(lineno), seen, path, encoding=decoded.label,
                                  date_format=date_format)


def record_document(record: dict, where: str, default_id: str, seen: set[str], path: Path | str, *,
                    encoding: str | None = None, date_format: str | None = None) -> Document:
    """One record (a JSONL line, a Parquet row, a Python input; ``text`` already checked) as a
    Document; ``where`` names it in errors, ids must be unique within ``seen``; ``encoding``
    is how its file was decoded."""
    record = {k: without_surrogates(v) if isinstance(v, str) else v for k, v in record.items()}
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
        date=parse_date(record.get("date"), where, date_format),
        label=_clean_str(record.get("label")),
        group=_clean_str(record.get("group")),
        source=str(path),
        meta={k: v for k, v in record.items() if k not in _KNOWN_JSONL_KEYS},
        encoding=encoding,
    )


_SURROGATE = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """``text`` with lone UTF-16 surrogates (JSON's ``"\\ud800"`` escapes: no character at
    all) replaced by U+FFFD, which every later step can encode."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def _parquet_documents(path: Path, date_format: str | None = None) -> Iterator[Document]:
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
            yield record_document(record, where, str(rowno), seen, path, date_format=date_format)


def _csv_documents(path: Path, columns: dict[str, str | None], encoding: str = AUTO,
                   date_format: str | None = None, notes: list[str] | None = None) -> Iterator[Document]:
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
        records, first_long, line = 0, None, reader.line_num
        for rowno, row in enumerate(reader, start=2):
            records += 1
            if reader.line_num - line > 1 and first_long is None:
                first_long = line + 1
            line = reader.line_num
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
                date=parse_date(get("date"), where, date_format),
                label=get("label"),
                group=get("group"),
                source=str(path),
                meta={k: v for k, v in row.items() if k not in used and k is not None},
                encoding=decoded.label,
            )
        lines = reader.line_num - 1  # without the header
        if first_long is not None and notes is not None:
            notes.append(f"{path}: {lines} lines after the header hold {records} records: some records span "
                         f"several lines, the first at line {first_long}. If the texts have no line breaks, a "
                         f"stray quote (\") merged rows there; quote the field or remove the quote")


def _case_clashes(docs: list[Document], path: Path) -> list[str]:
    """A note when ids differ only in case (``A1`` and ``a1``): one on a case-insensitive disk."""
    first: dict[str, str] = {}
    clashes: list[tuple[str, str]] = []
    for doc in docs:
        key = doc.id.casefold()
        if key in first and first[key] != doc.id:
            clashes.append((first[key], doc.id))
        first.setdefault(key, doc.id)
    if not clashes:
        return []
    a, b = clashes[0]
    return [f"{path}: {len(clashes)} document ids differ from another only in case (e.g. {a!r} and {b!r}); tools "
            f"and file systems that ignore case see them as one document"]


def read_documents(path: str | Path, fmt: str = "auto", *, limit: int | None = None,
                   columns: dict[str, str | None] | None = None, encoding: str = AUTO,
                   date_format: str | None = None, notes: list[str] | None = None) -> list[Document]:
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
    date_format : str, optional
        ``corpus.date_format``: a ``strptime`` pattern for dates that are not ISO.
    notes : list, optional
        Receives one line per thing about the input a user should know that does not stop
        the reading (CSV records spanning lines, ids that differ only in case).

    Returns
    -------
    list of Document
        Texts as read (not cleaned), ids unique.
    """
    if not isinstance(path, (str, Path)) or not str(path).strip():
        raise ParameterError("path", f"expected a corpus file or folder (str or Path), got {short_repr(path)}")
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
        docs = _parquet_documents(path, date_format)
    elif kind == "jsonl":
        if path.is_dir():
            raise CorpusError(f"{path}: corpus.format is jsonl but the path is a folder")
        docs = _jsonl_documents(path, encoding, date_format)
    else:
        if path.is_dir():
            raise CorpusError(f"{path}: corpus.format is csv but the path is a folder")
        cols = {"text": "text", "id": "id", "lang": "lang", "date": "date", "label": "label", "group": "group"}
        cols.update(columns or {})
        docs = _csv_documents(path, cols, encoding, date_format, notes)
    out: list[Document] = []
    for doc in docs:
        out.append(doc)
        if limit is not None and len(out) >= limit:
            break
    if not out:
        raise CorpusError(f"{path}: the corpus holds no documents")
    if notes is not None:
        notes.extend(_case_clashes(out, path))
    log.info("read %d documents from %s (%s)", len(out), path, kind)
    return out
