"""Sweeps: a grid over config key paths times a list of seeds, one run directory per point.

A sweep is a normal experiment config with a ``sweep:`` section (after ``extends:`` merging
and ``--set`` overrides)::

    extends: sib200.yaml
    name: sweep-mcs
    sweep:
      grid:
        hdbscan.min_cluster_size: [10, 15, 25, 40]
      seeds: [0, 1, 2]

The grid is the Cartesian product of the listed values, in the order written; every grid
cell runs once per seed. Each point is an ordinary run (:func:`toolkit.experiment.run_experiment`)
written to its own folder inside one sweep folder::

    <sweep folder>/                       <output.dir>/<name>-<timestamp>/ or --out
      sweep.json                          definition and status of every point (marks the folder)
      min_cluster_size-10_seed-0/         a complete run directory (or absent)
      ...
      summary.csv                         one row per point: status, timings, every scalar metric
      cells.csv                           one row per grid cell: mean and std over seeds, stability
      summary.md                          the same for people

Points share the content-addressed cache, so a sweep over HDBSCAN or topic-description
settings embeds the corpus once and reduces it with UMAP once per seed. A point that fails
(any :class:`~toolkit.errors.ToolkitError`) is recorded with its error and the sweep goes on.
Run directories appear complete or not at all, so rerunning a sweep with the same ``--out``
skips the points already complete: an interrupted sweep resumes where it stopped.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from toolkit.config import (
    ExperimentConfig,
    apply_overrides,
    config_from_dict,
    load_config_dict,
)
from toolkit.errors import ConfigError, Interrupted, RunError, ToolkitError
from toolkit.sweep_points import (
    PointResult,
    SweepOutcome,
    SweepPoint,
    _canonical,
    _flatten_grid,
    expand_sweep,
    point_config,
)
from toolkit import sweep_summary
from toolkit.sweep_summary import summarize_cells

__all__ = [
    "SweepPoint",
    "PointResult",
    "SweepOutcome",
    "expand_sweep",
    "point_config",
    "run_sweep",
    "summarize_cells",
    "SUMMARY_FILES",
]

log = logging.getLogger(__name__)

#: Files a finished sweep folder holds besides its point folders.
SUMMARY_FILES = ("sweep.json", "summary.csv", "cells.csv", "summary.md")

#: Config sections that do not change a run's results; ignored when resuming.
_IGNORED_ON_RESUME = ("output", "cache", "execution")

Progress = Callable[[str, "int | None"], Callable[[int], None]]

# ------------------------------------------------------------------------------ running


def _sweep_folder(base: ExperimentConfig, out: str | Path | None) -> Path:
    from toolkit.runs import is_complete_run, plan_run_dir

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


def _write_text_atomic(path: Path, text: str) -> None:
    from toolkit.cache_store import atomic_write

    data = text.encode("utf-8")
    try:
        atomic_write(path, lambda fh: fh.write(data))
    except OSError as exc:
        raise RunError(f"{path}: cannot write ({exc.strerror or exc}); check the sweep folder") from None


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    return value


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for k, v in data.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: data}


def _config_mismatch(run_dir: Path, expected: ExperimentConfig) -> list[str]:
    """Key paths whose values differ between a finished run's config.yaml and ``expected``."""
    try:
        found = yaml.safe_load((run_dir / "config.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return ["config.yaml (unreadable)"]
    want = expected.model_dump(mode="json")
    for section in _IGNORED_ON_RESUME:
        if isinstance(found, dict):
            found.pop(section, None)
        want.pop(section, None)
    if not isinstance(found, dict):
        return ["config.yaml (not a mapping)"]
    a, b = _flatten(found), _flatten(want)
    return sorted(k for k in set(a) | set(b) if _canonical(a.get(k)) != _canonical(b.get(k)))


def _scalars(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metrics.items()
            if v is None or isinstance(v, (bool, int, float, str))}


def _read_finished(result: PointResult) -> PointResult:
    """Fill in metrics and manifest from the run directory (a broken one makes the point failed)."""
    from toolkit.runs import read_json

    try:
        metrics = read_json(result.path / "metrics.json")
        manifest = read_json(result.path / "manifest.json")
        if not isinstance(metrics, dict) or not isinstance(manifest, dict):
            raise RunError(f"{result.path}: metrics.json or manifest.json is not a JSON object")
    except ToolkitError as exc:
        result.status, result.error = "failed", f"{exc}; delete {result.path} to rerun the point"
        return result
    result.metrics, result.manifest = _scalars(metrics), manifest
    return result


class _Embedders:
    """Build each embedder once per sweep (model loading is the slow part of a small run)."""

    def __init__(self, given: Any = None) -> None:
        self.given = given
        self.built: dict[tuple, Any] = {}

    def get(self, config: ExperimentConfig) -> Any:
        if self.given is not None:
            return self.given
        e = config.embedding
        key = (e.model, e.allow_download, e.threads)
        if key not in self.built:
            from toolkit.embedding import get_embedder

            try:
                self.built[key] = get_embedder(e.model, allow_download=e.allow_download, threads=e.threads)
            except ToolkitError as exc:
                self.built[key] = exc
        found = self.built[key]
        if isinstance(found, ToolkitError):
            raise found
        return found


def _run_point(point: SweepPoint, config: ExperimentConfig, target: Path, embedders: _Embedders) -> PointResult:
    from toolkit.experiment import run_experiment
    from toolkit.runs import is_complete_run

    if is_complete_run(target):
        differs = _config_mismatch(target, config)
        if differs:
            shown = ", ".join(differs[:5]) + (" ..." if len(differs) > 5 else "")
            return PointResult(point, "failed", target, error=(
                f"{target}: holds a finished run of a different config (differs in {shown}); "
                f"use a new --out for the changed sweep, or delete this folder to rerun the point"))
        return _read_finished(PointResult(point, "resumed", target))
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        return PointResult(point, "failed", target, error=(
            f"{target}: exists but is not a complete run directory; delete it to rerun the point"))
    start = time.perf_counter()
    try:
        run_experiment(config, out=target, embedder=embedders.get(config))
    except ToolkitError as exc:
        return PointResult(point, "failed", target, error=str(exc), seconds=time.perf_counter() - start)
    except Exception as exc:  # noqa: BLE001 - one broken point must not lose the whole sweep
        log.exception("sweep point %s failed unexpectedly", point.name)
        return PointResult(point, "failed", target, seconds=time.perf_counter() - start, error=(
            f"unexpected {type(exc).__name__}: {exc} (a bug; rerun this point with "
            f"`topicbridge --debug run` to see the traceback)"))
    return _read_finished(PointResult(point, "ok", target, seconds=time.perf_counter() - start))


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
        (:mod:`toolkit.distributed.sweep`).

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
    from toolkit.runs import is_complete_run

    source = str(config_path)
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
        "grid": _flatten_grid(section.get("grid") or {}),
        "seeds": list(dict.fromkeys(p.seed for p in points)),
        "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    _write_sweep_json(folder, definition, [PointResult(p, "pending", folder / p.name) for p in points])

    progress = progress or (lambda stage, total: (lambda n: None))
    embedders = _Embedders(embedder)
    results: list[PointResult] = []
    n = len(points)
    if backend == "ray":
        from toolkit.distributed.sweep import run_points_ray

        results = run_points_ray(points, configs, folder, base.execution, progress)
    for i, (point, config) in enumerate(zip(points, configs) if backend == "local" else (), start=1):
        target = folder / point.name
        label = f"{i}/{n} {point.name}"
        if is_complete_run(target):
            label += " (done before)"
        advance = progress(label, None)
        try:
            result = _run_point(point, config, target, embedders)
        except KeyboardInterrupt:
            # The point being run leaves only a partial folder; finished points stay complete.
            pending = [PointResult(p, "pending", folder / p.name) for p in points[len(results):]]
            _write_sweep_json(folder, definition, results + pending)
            done = sum(r.status != "failed" for r in results)
            raise Interrupted(f"interrupted: {done} of {n} points are complete in {folder}; run the same "
                              f"command with --out {folder} to resume") from None
        advance(1)
        results.append(result)
        if result.status == "failed":
            log.warning("sweep point %s failed: %s", point.name, result.error)
        else:
            log.info("sweep point %s: %s", point.name, result.status)

    cells = summarize_cells(results)
    summary_csv, cells_csv, summary_md = folder / "summary.csv", folder / "cells.csv", folder / "summary.md"
    metric_keys = sweep_summary.metric_keys(results)
    _write_text_atomic(summary_csv, sweep_summary.points_csv(results, metric_keys))
    _write_text_atomic(cells_csv, sweep_summary.cells_csv(cells, metric_keys))
    _write_text_atomic(summary_md, sweep_summary.markdown(definition, results, cells, metric_keys))
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
    _write_text_atomic(folder / "sweep.json",
                       json.dumps(_jsonable(doc), ensure_ascii=False, indent=2) + "\n")


