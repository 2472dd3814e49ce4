"""Run directories: where a run goes, atomic creation, and the registry of past runs.

A run is written under a hidden temporary name beside its target (``.NAME.partial-XXXX``) and
renamed into place as the last step, so a folder with a run's name is always complete. A failed
or interrupted run removes its temporary folder (a killed process may leave one behind; it is
hidden, never listed and never mistaken for a run). An existing non-empty folder is never
overwritten.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.errors import RunError

__all__ = ["plan_run_dir", "RunWriter", "is_complete_run", "list_runs", "RUN_FILES", "read_json"]

log = logging.getLogger(__name__)

#: Files every complete run directory holds.
RUN_FILES = ("config.yaml", "assignments.csv", "topics.csv", "metrics.json", "manifest.json",
             "report.md", "report.html")


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def plan_run_dir(output_dir: str | Path, name: str, out: str | Path | None = None,
                 now: dt.datetime | None = None) -> Path:
    """Choose the run directory, refusing to overwrite anything.

    Parameters
    ----------
    output_dir : path
        ``output.dir``: parent of timestamped run folders.
    name : str
        The config ``name``.
    out : path, optional
        ``--out``: an exact folder, which must be new or empty.

    Raises
    ------
    RunError
        ``out`` exists and is not an empty folder.
    """
    if out is not None:
        target = Path(out)
        if target.exists() and not _is_empty_dir(target):
            raise RunError(f"{target}: already exists and is not an empty folder; choose a new --out "
                           f"(earlier runs are never overwritten)")
        return target
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = Path(output_dir) / f"{name}-{stamp}"
    target, n = base, 1
    while target.exists():
        n += 1
        target = base.with_name(f"{base.name}-{n}")
    return target


class RunWriter:
    """Context manager giving a temporary folder that becomes the run directory on success.

    >>> with RunWriter(target) as tmp:      # doctest: +SKIP
    ...     (tmp / "config.yaml").write_text("...")
    """

    def __init__(self, target: str | Path) -> None:
        self.target = Path(target)
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
        if target.exists():
            if not _is_empty_dir(target):
                raise RunError(f"{target}: appeared while the run was working and is not empty; "
                               f"the run was not saved over it")
            target.rmdir()
        os.rename(self.tmp, target)
        return target


def is_complete_run(path: Path) -> bool:
    """True when ``path`` holds every file of a finished run."""
    return path.is_dir() and not path.name.startswith(".") and all((path / f).is_file() for f in RUN_FILES)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunError(f"{path}: missing; is this a complete run directory?") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise RunError(f"{path}: unreadable ({exc})") from None


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
