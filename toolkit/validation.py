"""Validating a run's named themes the way a coding scheme is validated.

``topicbridge themes sample RUN --n 100 --out coding.csv`` (:func:`sample_for_coding`) draws
units stratified by the model's theme and language (``none`` is a stratum too, so missed units
are found), about equally many per stratum, and writes them with an empty ``code`` column. The
file does not show the model's theme, so the coder is not led by it; it keeps each unit's
sampling ``weight`` (units of its stratum per sampled unit).

``topicbridge themes score RUN coding.csv`` (:func:`score_coding`) reads the codes (a theme
name, or ``none``; case and spaces do not matter; empty: not coded, left out), compares them
with the model's themes, weights each unit by its ``weight`` so the figures estimate the whole
corpus, and saves per-theme precision, recall and F1, accuracy and Cohen's kappa in the run's
validation.json; the report is rebuilt and shows them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.errors import ToolkitError
from toolkit.evaluate.themes import NO_THEME, coding_scores
from toolkit.files import as_path, write_json, write_text_atomic
from toolkit.runs import VALIDATION_FILE, is_complete_run, read_json

__all__ = ["CodingError", "CODING_COLUMNS", "sample_for_coding", "write_coding_sample", "score_coding",
           "read_coding"]

#: Columns of a coding file, in order.
CODING_COLUMNS = ("id", "lang", "doc_id", "text", "code", "weight")


class CodingError(ToolkitError):
    """A run without themes, or a coding file that cannot be read or scored."""


def _run_units(run: Path) -> tuple[list[dict[str, str]], list[str]]:
    if not run.is_dir():
        raise CodingError(f"{run}: no such run directory")
    if not is_complete_run(run):
        raise CodingError(f"{run}: not a complete run directory (run `topicbridge run` first)")
    if not (run / "themes.json").is_file():
        raise CodingError(f"{run}: this run has no named themes; set themes.names or themes.items in the config "
                          "and run it again")
    names = list(read_json(run / "themes.json", dict).get("names") or [])
    csv.field_size_limit(1 << 30)
    with (run / "assignments.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and "theme" not in rows[0]:
        raise CodingError(f"{run / 'assignments.csv'}: has no theme column; run the config again")
    return rows, names


def sample_for_coding(run: str | Path, n: int = 100, *, seed: int = 0) -> str:
    """A coding sample of about ``n`` units of ``run`` as CSV text (see the module docstring).

    Strata are (theme or ``none``) x language; each gets ``n / strata`` units (all of a smaller
    stratum, the remainder spread over the larger ones), drawn with ``seed``.
    """
    run = as_path(run, "run", "a run directory")
    if n < 1:
        raise CodingError(f"--n must be at least 1, got {n}")
    rows, _ = _run_units(run)
    strata: dict[tuple[str, str], list[int]] = {}
    for i, r in enumerate(rows):
        strata.setdefault((r["theme"] or NO_THEME, r["lang"]), []).append(i)
    keys = sorted(strata)
    quota = {k: 0 for k in keys}
    left = min(n, len(rows))
    open_keys = list(keys)
    while left > 0 and open_keys:  # equal shares, a full stratum's leftover goes to the others
        share = max(left // len(open_keys), 1)
        for k in list(open_keys):
            take = min(share, len(strata[k]) - quota[k], left)
            quota[k] += take
            left -= take
            if quota[k] == len(strata[k]):
                open_keys.remove(k)
            if left == 0:
                break
    rng = np.random.default_rng(seed)
    chosen: list[tuple[int, float]] = []
    for k in keys:
        if quota[k]:
            picks = rng.choice(len(strata[k]), size=quota[k], replace=False)
            weight = len(strata[k]) / quota[k]
            chosen.extend((strata[k][int(p)], weight) for p in picks)
    order = rng.permutation(len(chosen))  # strata mixed, so the file's order says nothing of the theme
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CODING_COLUMNS)
    for j in order:
        i, weight = chosen[int(j)]
        r = rows[i]
        writer.writerow([r["id"], r["lang"], r["doc_id"], r["text"], "", f"{weight:.6g}"])
    return buf.getvalue()


def write_coding_sample(run: str | Path, out: str | Path, n: int = 100, *, seed: int = 0,
                        force: bool = False) -> int:
    """Write :func:`sample_for_coding` to ``out`` (never over an existing file unless ``force``);
    returns the number of units written."""
    out = as_path(out, "out", "a file path")
    if out.exists() and not force:
        raise CodingError(f"{out} already exists (it may hold codes); choose another --out or pass --force")
    text = sample_for_coding(run, n, seed=seed)
    try:
        write_text_atomic(out, text)
    except OSError as exc:
        raise CodingError(f"{out}: cannot write the coding sample ({exc.strerror or exc})") from exc
    return text.count("\n") - 1 if text else 0


def read_coding(path: str | Path, names: Sequence[str]) -> list[dict[str, Any]]:
    """The coded rows of a coding file: ``id``, ``code`` (theme name or ``None``) and ``weight``.

    Raises
    ------
    CodingError
        Missing file or columns, an unknown code (naming the row, the value and the allowed
        codes), a bad weight, an id twice, or no coded row at all.
    """
    path = as_path(path, "coding", "a coding file path")
    if not path.is_file():
        raise CodingError(f"{path}: no such coding file (write one with `topicbridge themes sample`)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodingError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 CSV") from exc
    csv.field_size_limit(1 << 30)
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("id", "code") if c not in (reader.fieldnames or [])]
    if missing:
        raise CodingError(f"{path}: missing column(s) {', '.join(missing)}; keep the header "
                          f"{','.join(CODING_COLUMNS)} written by `themes sample`")
    allowed = {name.strip().casefold(): name for name in names}
    allowed[NO_THEME] = None
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        code = (row.get("code") or "").strip()
        if not code:
            continue
        key = " ".join(code.split()).casefold()
        if key not in allowed:
            raise CodingError(f"{path}, line {line}: code {code!r} is not a theme of this run; use one of "
                              f"{', '.join(repr(n) for n in names)} or {NO_THEME!r} (or leave it empty)")
        uid = (row.get("id") or "").strip()
        if uid in seen:
            raise CodingError(f"{path}, line {line}: id {uid!r} is coded twice")
        seen.add(uid)
        raw_weight = (row.get("weight") or "").strip()
        try:
            weight = float(raw_weight) if raw_weight else 1.0
        except ValueError:
            weight = float("nan")
        if not np.isfinite(weight) or weight <= 0:
            raise CodingError(f"{path}, line {line}: weight {raw_weight!r} is not a positive number; keep the "
                              "weight written by `themes sample` or leave it empty")
        out.append({"id": uid, "code": allowed[key], "weight": weight})
    if not out:
        raise CodingError(f"{path}: no coded rows; fill in the code column (a theme name or {NO_THEME!r})")
    return out


def score_coding(run: str | Path, coding: str | Path) -> dict[str, Any]:
    """Score a run's themes against a coding file, save validation.json and rebuild the report."""
    from toolkit.report import write_report

    run = as_path(run, "run", "a run directory")
    rows, names = _run_units(run)
    coded = read_coding(coding, names)
    model_theme = {r["id"]: (r["theme"] or None) for r in rows}
    unknown = [c["id"] for c in coded if c["id"] not in model_theme]
    if unknown:
        raise CodingError(f"{coding}: {len(unknown)} coded id(s) are not units of {run}, e.g. {unknown[0]!r}; "
                          "code a sample written from this run")
    scores = coding_scores([model_theme[c["id"]] for c in coded], [c["code"] for c in coded], names,
                           [c["weight"] for c in coded])
    scores["coding_file"] = str(Path(coding).resolve())
    scores["weighted"] = any(c["weight"] != 1.0 for c in coded)
    try:
        write_json(run / VALIDATION_FILE, scores, atomic=True)
    except OSError as exc:
        raise CodingError(f"{run / VALIDATION_FILE}: cannot write the scores ({exc.strerror or exc})") from exc
    write_report(run)
    return scores
