"""Run directories: the contract of what a run holds, where it goes, atomic creation, the data
files, and the registry of past runs (docs/run-directory.md).

A run is written under a hidden temporary name beside its target (``.NAME.partial-XXXX``) and
renamed into place as the last step, so a folder with a run's name is always complete. A failed
or interrupted run removes its temporary folder (a killed process may leave one behind; it is
hidden, never listed and never mistaken for a run). An existing non-empty folder is never
overwritten.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from toolkit.config import ExperimentConfig, config_to_yaml
from toolkit.corpus.model import Corpus
from toolkit.errors import RunError
from toolkit.files import read_json as parse_json
from toolkit.files import probe_writable, write_json
from toolkit.topics.result import TopicResult

__all__ = ["plan_run_dir", "check_writable", "remove_stale_partials", "RunWriter", "is_complete_run", "list_runs", "read_json", "write_run_files",
           "topics_table", "DATA_FILES", "REPORT_FILES", "RUN_FILES",
           "THEME_FILES", "VALIDATION_FILE", "write_theme_files", "THEMES_CSV_COLUMNS"]

log = logging.getLogger(__name__)

#: The data files of a run (:func:`write_run_files` writes them; a report is built from them).
DATA_FILES = ("config.yaml", "assignments.csv", "topics.csv", "topics.json", "metrics.json",
              "manifest.json")
#: The report files built from the data files (:func:`toolkit.report.write_report`).
REPORT_FILES = ("report.md", "report.html")
#: Files every complete run directory holds.
RUN_FILES = DATA_FILES + REPORT_FILES
#: Written besides the data files when the config names themes (:func:`write_theme_files`).
THEME_FILES = ("themes.csv", "themes.json")
#: Written by ``topicbridge themes score``: the model's agreement with a human coder.
VALIDATION_FILE = "validation.json"


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


#: Hidden temporary run folders older than this are left-overs of a killed process and removed.
STALE_PARTIAL_SECONDS = 24 * 3600


def plan_run_dir(output_dir: str | Path, name: str, out: str | Path | None = None,
                 now: dt.datetime | None = None) -> Path:
    """Choose the run directory, refusing to overwrite anything, and check it can be written.

    Parameters
    ----------
    output_dir : path
        ``output.dir``: parent of timestamped run folders.
    name : str
        The config ``name``.
    out : path, optional
        ``--out``: an exact folder, which must be new or empty.

    Returns
    -------
    Path
        The run directory to write with :class:`RunWriter`. A timestamped name that another
        run takes first moves on to the next free ``-N`` name when the run is published
        (``RunWriter(..., unique=True)``), so two runs started together both save.

    Raises
    ------
    RunError
        ``out`` exists and is not an empty folder, or the location cannot be written (a file
        in the way, no permission, a name too long, a read-only file system), before any
        work starts.
    """
    if out is not None:
        target = Path(out)
        try:
            taken = target.exists() and not _is_empty_dir(target)
        except OSError as exc:
            raise RunError(f"{target}: cannot write a run directory here ({exc.strerror or exc}); choose "
                           f"another --out") from None
        if taken:
            raise RunError(f"{target}: already exists and is not an empty folder; choose a new --out "
                           f"(earlier runs are never overwritten)")
        check_writable(target, where="--out")
        return target
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = Path(output_dir) / f"{name}-{stamp}"
    target = _free_name(base)
    check_writable(target, where="output.dir")
    return target


def _free_name(base: Path) -> Path:
    target, n = base, 1
    while target.exists():
        n += 1
        target = base.with_name(f"{base.name}-{n}")
    return target


def check_writable(target: Path, where: str = "output.dir") -> None:
    """Make sure a run directory can be created at ``target`` (its parent made if missing).

    Creates and removes the same hidden temporary folder :class:`RunWriter` will use (and, for
    an existing empty ``target``, a file inside it), and clears left-over temporary folders of
    killed runs older than a day.

    Raises
    ------
    RunError
        Naming the folder, the reason and the key (``where``) to change.
    """
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_partials(parent)
        probe = parent / f".{target.name}.partial-probe{uuid.uuid4().hex[:6]}"
        probe.mkdir()
        probe.rmdir()
        if target.is_dir():
            probe_writable(target)
    except OSError as exc:
        raise RunError(f"{target}: cannot write a run directory here ({exc.strerror or exc}); set {where} to a "
                       f"writable folder") from None


def remove_stale_partials(folder: Path, now: float | None = None) -> int:
    """Delete hidden ``.NAME.partial-*`` folders in ``folder`` older than a day; returns how many."""
    import time

    removed = 0
    cutoff = (time.time() if now is None else now) - STALE_PARTIAL_SECONDS
    try:
        entries = list(folder.iterdir())
    except OSError:
        return 0
    for entry in entries:
        if not (entry.name.startswith(".") and ".partial-" in entry.name):
            continue
        try:
            if entry.is_dir() and not entry.is_symlink() and entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry)
                removed += 1
                log.info("removed %s, left behind by a run that was killed", entry)
        except OSError:
            continue
    return removed


class RunWriter:
    """Context manager giving a temporary folder that becomes the run directory on success.

    >>> with RunWriter(target) as tmp:      # doctest: +SKIP
    ...     (tmp / "config.yaml").write_text("...")
    """

    def __init__(self, target: str | Path, *, unique: bool = False) -> None:
        self.target = Path(target)
        self.unique = unique
        self.tmp: Path | None = None
        self.final: Path | None = None

    def __enter__(self) -> Path:
        parent = self.target.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self.tmp = parent / f".{self.target.name}.partial-{uuid.uuid4().hex[:8]}"
            self.tmp.mkdir()
        except OSError as exc:
            raise RunError(f"{parent}: cannot create the run directory here ({exc.strerror}); "
                           f"set output.dir or --out to a writable folder") from None
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> bool:
        assert self.tmp is not None
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            return False
        try:
            self.final = self._publish()
        except BaseException:
            shutil.rmtree(self.tmp, ignore_errors=True)
            raise
        return False

    def _publish(self) -> Path:
        assert self.tmp is not None
        target = self.target
        try:
            if self.unique:
                # Claim a free name with mkdir (atomic: of two runs, one gets it) and rename the
                # finished run onto that empty folder.
                while True:
                    target = _free_name(target)
                    try:
                        target.mkdir()
                        break
                    except FileExistsError:
                        continue
                try:
                    os.replace(self.tmp, target)
                except OSError:
                    target.rmdir()
                    raise
                return target
            if target.exists():
                if not _is_empty_dir(target):
                    raise RunError(f"{target}: appeared while the run was working and is not empty; "
                                   f"the run was not saved over it")
                target.rmdir()
            os.rename(self.tmp, target)
        except OSError as exc:
            raise RunError(f"{target}: cannot save the run here ({exc.strerror or exc}); the finished run "
                           f"was not kept, choose another --out or output.dir") from None
        return target


def is_complete_run(path: Path) -> bool:
    """True when ``path`` holds every file of a finished run."""
    return path.is_dir() and not path.name.startswith(".") and all((path / f).is_file() for f in RUN_FILES)


def read_json(path: Path, expect: type | None = None) -> Any:
    """A JSON file of a run directory (of type ``expect`` when given); every failure is a
    :class:`RunError` naming the file and what to do."""
    try:
        return parse_json(path, expect)
    except FileNotFoundError:
        raise RunError(f"{path}: missing; is this a complete run directory?") from None
    except UnicodeDecodeError as exc:
        raise RunError(f"{path}: not valid UTF-8 ({exc}); run directories are written as UTF-8, "
                       f"rerun the experiment or fix the file") from exc
    except json.JSONDecodeError as exc:
        raise RunError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno} ({exc.msg}); "
                       f"the run directory is damaged, rerun the experiment") from exc
    except ValueError as exc:  # the top-level value is not of type ``expect``
        raise RunError(f"{path}: {exc}") from None
    except OSError as exc:
        raise RunError(f"{path}: unreadable ({exc.strerror or exc})") from None


@dataclass(frozen=True)
class RunSummary:
    path: Path
    name: str
    created: str
    metrics: dict[str, Any]


def list_runs(output_dir: str | Path) -> list[RunSummary]:
    """Complete runs found (recursively, e.g. inside sweep folders) under ``output_dir``, oldest first."""
    root = Path(output_dir)
    if not root.is_dir():
        return []
    found = []
    for manifest in root.rglob("manifest.json"):
        run = manifest.parent
        if any(part.startswith(".") for part in run.relative_to(root).parts) or not is_complete_run(run):
            continue
        try:
            data = read_json(manifest)
            metrics = read_json(run / "metrics.json")
        except RunError as exc:
            log.warning("skipping %s: %s", run, exc)
            continue
        found.append(RunSummary(path=run, name=str(data.get("name", run.name)),
                                created=str(data.get("created", "")), metrics=metrics))
    return sorted(found, key=lambda r: (r.created, str(r.path)))


# ------------------------------------------------------------------------------ data files


def topics_table(corpus: Corpus, result: TopicResult) -> list[dict[str, Any]]:
    """One record per topic (outliers first when present), as written to topics.csv/json."""
    langs = corpus.languages
    seg_langs = np.asarray(corpus.langs)
    named = {int(t) for t in result.details.get("named_topics", [])}
    rows = []
    for t in result.topic_ids:
        mask = result.topics == t
        rows.append({
            "topic": t,
            "size": int(mask.sum()),
            "label": result.labels.get(t, str(t)),
            "named": t in named,
            "theme": result.themes.get(t),
            "sizes": {lang: int(np.sum(mask & (seg_langs == lang))) for lang in langs},
            "keywords": result.keywords.get(t, []),
            "keywords_by_lang": {lang: result.keywords_by_lang.get(t, {}).get(lang, []) for lang in langs},
            "representatives": {
                lang: [corpus.segments[i].id for i in idx]
                for lang, idx in result.representatives.get(t, {}).items()
            },
        })
    return rows


def _words(pairs: list) -> str:
    return ", ".join(str(w) for w, _ in pairs)


#: Topics whose similarity topics.json keeps (the largest); the matrix grows with the square of the
#: count, and the report draws at most 100 of them.
SIMILARITY_TOPICS = 300


def largest_similarity(result: TopicResult) -> tuple[list[int], np.ndarray]:
    """The similarity ids and matrix of at most ``SIMILARITY_TOPICS`` topics, the largest."""
    ids = list(result.similarity_topics)
    if len(ids) <= SIMILARITY_TOPICS:
        return ids, np.asarray(result.similarity)
    sizes = {t: int(np.sum(result.topics == t)) for t in ids}
    keep = sorted(sorted(range(len(ids)), key=lambda i: (-sizes[ids[i]], ids[i]))[:SIMILARITY_TOPICS])
    return [ids[i] for i in keep], np.asarray(result.similarity)[np.ix_(keep, keep)]


def write_run_files(folder: Path, config: ExperimentConfig, corpus: Corpus, result: TopicResult,
                    metrics: dict[str, Any], manifest: dict[str, Any]) -> None:
    """Write config.yaml, assignments.csv, topics.csv, topics.json, metrics.json, manifest.json."""
    (folder / "config.yaml").write_text(config_to_yaml(config), encoding="utf-8")

    coords = result.coords
    with (folder / "assignments.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        units = result.unit_themes
        theme_cols = ["theme", "theme_source", "theme_strength"] if units is not None else []
        writer.writerow(["id", "doc_id", "lang", "topic", "date", "label", "group", "x", "y", *theme_cols, "text"])
        labels = units.labels if units is not None else None
        strength = units.strength if units is not None else None
        for i, seg in enumerate(corpus.segments):
            x, y = ("", "") if coords is None or not np.isfinite(coords[i, 0]) else (
                f"{coords[i, 0]:.4f}", f"{coords[i, 1]:.4f}")
            extra = [] if units is None else [labels[i] or "", units.source[i],
                                              "" if not np.isfinite(strength[i]) else f"{strength[i]:.4f}"]
            writer.writerow([seg.id, seg.doc_id, seg.lang or "und", int(result.topics[i]), seg.date or "",
                             seg.label or "", seg.group or "", x, y, *extra, seg.text])

    table = topics_table(corpus, result)
    langs = corpus.languages
    with (folder / "topics.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["topic", "size", "label", "theme", "keywords",
                         *[f"size_{lang}" for lang in langs], *[f"keywords_{lang}" for lang in langs]])
        for row in table:
            writer.writerow([row["topic"], row["size"], row["label"], row["theme"] or "", _words(row["keywords"]),
                             *[row["sizes"][lang] for lang in langs],
                             *[_words(row["keywords_by_lang"][lang]) for lang in langs]])
    sim_ids, sim = largest_similarity(result)
    write_json(folder / "topics.json", {
        "languages": langs,
        "topics": table,
        "similarity": {"topics": sim_ids, "matrix": np.round(sim, 4),
                       "omitted": len(result.similarity_topics) - len(sim_ids)},
    })
    write_json(folder / "metrics.json", metrics)
    write_json(folder / "manifest.json", manifest)


#: Columns of themes.csv: one row per scope (all, lang, doc, month), group and theme (``none``:
#: units with no theme); share, low and high are fractions of the group's units.
THEMES_CSV_COLUMNS = ("scope", "group", "theme", "units", "total", "share", "low", "high")


def write_theme_files(folder: Path, rows: list[dict[str, Any]], themes_json: dict[str, Any]) -> None:
    """Write themes.csv (prevalence with intervals) and themes.json (bars, strength, example units)."""
    with (folder / "themes.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(THEMES_CSV_COLUMNS)
        for row in rows:
            writer.writerow([row["scope"], row["group"], row["theme"], row["units"], row["total"],
                             *(f"{row[c]:.4f}" for c in ("share", "low", "high"))])
    write_json(folder / "themes.json", themes_json)
