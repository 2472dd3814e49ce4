"""``run_sweep``: every point of a sweep in turn (or as Ray tasks), then the summary files.

See :mod:`toolkit.sweep` for what a sweep is and the folder it writes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


from toolkit.config import (
    ExperimentConfig,
    apply_overrides,
    config_from_dict,
    load_config_dict,
)
from toolkit.errors import ConfigError, Interrupted, RunError
from toolkit.files import as_path, jsonable, write_text_atomic
from toolkit.runs import is_complete_run, plan_run_dir
from toolkit.sweep import summary as sweep_summary
from toolkit.sweep.point import Embedders, run_point
from toolkit.sweep.points import PointResult, SweepOutcome, expand_sweep, flatten_grid, point_config
from toolkit.sweep.summary import summarize_cells

__all__ = ["run_sweep", "SUMMARY_FILES"]

log = logging.getLogger(__name__)

#: Files a finished sweep folder holds besides its point folders.
SUMMARY_FILES = ("sweep.json", "summary.csv", "cells.csv", "summary.md")

Progress = Callable[[str, "int | None"], Callable[[int], None]]

# ------------------------------------------------------------------------------ running


def _sweep_folder(base: ExperimentConfig, out: str | Path | None) -> Path:
    if out is None:
        return plan_run_dir(base.output.dir, base.name)
    folder = Path(out)
    if folder.exists():
        if not folder.is_dir():
            raise RunError(f"{folder}: exists and is not a folder; choose another --out for the sweep")
        if is_complete_run(folder):
            raise RunError(f"{folder}: is a run directory, not a sweep folder; choose another --out")
        if any(folder.iterdir()) and not (folder / "sweep.json").is_file():
            raise RunError(f"{folder}: exists, is not empty and holds no sweep.json, so it is not a "
                           f"sweep folder; choose a new --out (or the folder of the sweep to resume)")
    return folder


def _write_text(path: Path, text: str) -> None:
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise RunError(f"{path}: cannot write ({exc.strerror or exc}); check the sweep folder") from None


def run_sweep(config_path: str | Path, overrides: Sequence[str] = (), *, out: str | Path | None = None,
              progress: Progress | None = None, embedder: Any = None, backend: str | None = None) -> SweepOutcome:
    """Run every point of a sweep and write its summary.

    Parameters
    ----------
    config_path : str or Path
        A config with a ``sweep:`` section (``extends:`` allowed).
    overrides : sequence of str
        ``key.path=value`` items applied before the sweep is expanded (``sweep.seeds=[0,1]``
        works too).
    out : path, optional
        The sweep folder. New, empty, or the folder of an earlier run of this sweep, whose
        complete points are kept and skipped (resume). Default:
        ``<output.dir>/<name>-<timestamp>``.
    progress : callable, optional
        ``progress(label, total)`` is called once per point (label ``"3/12 <point name>"``).
    embedder : Embedder, optional
        Use this embedder for every point instead of building ``embedding.model``.
    backend : {"local", "ray"}, optional
        Default: ``execution.backend``. ``ray`` runs one Ray task per point
        (:mod:`toolkit.sweep.ray`).

    Returns
    -------
    SweepOutcome

    Raises
    ------
    ConfigError
        The config or its sweep section is invalid; nothing has run.
    RunError
        ``out`` is not a sweep folder, or the summary cannot be written.
    """
    source = str(as_path(config_path, "config_path", "a sweep config file"))
    data = apply_overrides(load_config_dict(config_path), list(overrides))
    points = expand_sweep(data, source)
    base = config_from_dict(data, source)
    configs = [point_config(data, p, source) for p in points]  # every point valid before any runs
    backend = backend or base.execution.backend
    if backend not in ("local", "ray"):
        raise ConfigError(f"--backend {backend!r}: expected local or ray")
    if backend == "ray":
        from toolkit.distributed.runtime import require_ray

        require_ray()  # the missing extra is one clear error, before any folder exists
    folder = _sweep_folder(base, out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(f"{folder}: cannot create the sweep folder ({exc.strerror or exc}); "
                       f"set output.dir or --out to a writable folder") from None
    section = data["sweep"]
    definition = {
        "name": base.name,
        "config": source,
        "overrides": list(overrides),
        "grid": flatten_grid(section.get("grid") or {}),
        "seeds": list(dict.fromkeys(p.seed for p in points)),
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    _write_sweep_json(folder, definition, [PointResult(p, "pending", folder / p.name) for p in points])

    progress = progress or (lambda stage, total: (lambda n: None))
    embedders = Embedders(embedder)
    results: list[PointResult] = []
    n = len(points)
    if backend == "ray":
        from toolkit.sweep.ray import run_points_ray

        results = run_points_ray(points, configs, folder, base.execution, progress)
    for i, (point, config) in enumerate(zip(points, configs) if backend == "local" else (), start=1):
        target = folder / point.name
        label = f"{i}/{n} {point.name}"
        if is_complete_run(target):
            label += " (done before)"
        advance = progress(label, None)
        try:
            result = run_point(point, config, target, embedders)
        except KeyboardInterrupt:
            # The point being run leaves only a partial folder; finished points stay complete.
            pending = [PointResult(p, "pending", folder / p.name) for p in points[len(results):]]
            _write_sweep_json(folder, definition, results + pending)
            done = sum(r.status != "failed" for r in results)
            raise Interrupted(f"interrupted: {done} of {n} points are complete in {folder}; run the same "
                              f"command with --out {folder} to resume") from None
        advance(1)
        results.append(result)
        for w in result.warnings:
            log.warning("sweep point %s: %s", point.name, w)
        if result.status == "failed":
            log.warning("sweep point %s failed: %s", point.name, result.error)
        else:
            log.info("sweep point %s: %s", point.name, result.status)

    cells = summarize_cells(results)
    summary_csv, cells_csv, summary_md = folder / "summary.csv", folder / "cells.csv", folder / "summary.md"
    metric_keys = sweep_summary.metric_keys(results)
    _write_text(summary_csv, sweep_summary.points_csv(results, metric_keys))
    _write_text(cells_csv, sweep_summary.cells_csv(cells, metric_keys))
    _write_text(summary_md, sweep_summary.markdown(definition, results, cells, metric_keys))
    definition["finished"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    _write_sweep_json(folder, definition, results, cells)
    log.info("sweep written to %s (%d points, %d failed)", folder, n,
             sum(r.status == "failed" for r in results))
    return SweepOutcome(path=folder, points=results, summary_csv=summary_csv, summary_md=summary_md,
                        cells_csv=cells_csv, cells=cells)


def _write_sweep_json(folder: Path, definition: dict[str, Any], results: list[PointResult],
                      cells: list[dict[str, Any]] | None = None) -> None:
    doc = {**definition, "points": [{
        "name": r.point.name, "cell": r.point.cell, "seed": r.point.seed,
        "overrides": r.point.overrides, "status": r.status, "error": r.error,
        "seconds": round(r.seconds, 3),
    } for r in results]}
    if cells is not None:
        doc["cells"] = cells
    _write_text(folder / "sweep.json",
                       json.dumps(jsonable(doc), ensure_ascii=False, indent=2) + "\n")


