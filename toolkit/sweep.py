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

import copy
import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import logging
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel

from toolkit.config import (
    ExperimentConfig,
    apply_overrides,
    config_from_dict,
    load_config_dict,
)
from toolkit.errors import ConfigError, RunError, ToolkitError

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

#: Keys a ``sweep:`` section may hold.
_SWEEP_KEYS = ("grid", "seeds")
#: Config keys a grid may not vary (the sweep sets them itself).
_RESERVED = {
    "seed": "list seeds under 'sweep.seeds' instead",
    "name": "the sweep names its points itself",
}
#: Config sections that do not change a run's results; ignored when resuming.
_IGNORED_ON_RESUME = ("output", "cache", "execution")
#: Metrics shown first in the Markdown overview (when the runs have them).
_HEADLINE = ("n_topics", "outlier_share", "nmi", "ami", "parallel_agreement", "nmi_language",
             "npmi", "topic_diversity")

Progress = Callable[[str, "int | None"], Callable[[int], None]]


# ------------------------------------------------------------------------------ the points


@dataclass(frozen=True)
class SweepPoint:
    """One point of a sweep: grid values plus a seed.

    Attributes
    ----------
    name : str
        Folder name of the point's run directory, e.g. ``min_cluster_size-10_seed-0``.
    overrides : dict
        Grid key path -> value for this point (the seed is not among them).
    seed : int
        The value of the config key ``seed``.
    cell : str
        Name of the grid cell (the point name without the seed); points that differ only in
        their seed share it.
    """

    name: str
    overrides: dict[str, Any]
    seed: int
    cell: str = ""


@dataclass
class PointResult:
    """What happened to one point.

    Attributes
    ----------
    point : SweepPoint
    status : {"ok", "resumed", "failed"}
        ``ok``: ran now; ``resumed``: a complete run directory was already there;
        ``failed``: the run raised an error (``error``), and no run directory exists.
    path : Path
        The point's run directory (absent when failed).
    metrics : dict
        The scalar metrics of ``metrics.json`` (empty when failed).
    error : str or None
        The error message of a failed point.
    seconds : float
        Wall time spent on the point in this invocation.
    manifest : dict
        The run's ``manifest.json`` (empty when failed).
    """

    point: SweepPoint
    status: str
    path: Path
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    manifest: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def name(self) -> str:
        return self.point.name

    @property
    def seed(self) -> int:
        return self.point.seed

    @property
    def ok(self) -> bool:
        """True when the point has a complete run directory."""
        return self.status in ("ok", "resumed")


@dataclass
class SweepOutcome:
    """A finished sweep.

    Attributes
    ----------
    path : Path
        The sweep folder.
    points : list of PointResult
        One per point, in sweep order.
    summary_csv, summary_md, cells_csv : Path
        The summary files (``summary.csv``: one row per point; ``cells.csv``: one row per
        grid cell; ``summary.md``: both, for people).
    cells : list of dict
        Per grid cell: grid values, counts, ``stability`` and ``<metric>_mean``/``_std``.
    """

    path: Path
    points: list[PointResult]
    summary_csv: Path
    summary_md: Path
    cells_csv: Path | None = None
    cells: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed(self) -> list[PointResult]:
        return [p for p in self.points if p.status == "failed"]


# --------------------------------------------------------------------------- validation


def _schema_field(path: str, source: str) -> None:
    """Check that ``path`` names a value (not a section) of the config schema."""
    model: type[BaseModel] = ExperimentConfig
    parts = path.split(".")
    for depth, part in enumerate(parts):
        fields = model.model_fields
        where = ".".join(parts[:depth]) or "the top level"
        if part not in fields:
            raise ConfigError(
                f"{source}: sweep.grid: unknown key path '{path}' ('{part}' is not a key of "
                f"{where}; allowed there: {', '.join(sorted(fields))})")
        ann = fields[part].annotation
        is_section = isinstance(ann, type) and issubclass(ann, BaseModel)
        last = depth == len(parts) - 1
        if last and is_section:
            raise ConfigError(
                f"{source}: sweep.grid: '{path}' is a section, not a value; list a key inside "
                f"it, e.g. '{path}.{next(iter(ann.model_fields))}'")
        if not last and not is_section:
            raise ConfigError(
                f"{source}: sweep.grid: unknown key path '{path}' ('{'.'.join(parts[:depth + 1])}' "
                f"is a value, not a section)")
        if not last:
            model = ann


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _flatten_grid(grid: dict[Any, Any], prefix: str = "") -> dict[Any, Any]:
    """``{hdbscan: {min_cluster_size: [..]}}`` (what ``--set sweep.grid.a.b=[..]`` builds) ->
    ``{"hdbscan.min_cluster_size": [..]}``; a later spelling of the same key path wins."""
    out: dict[Any, Any] = {}
    for key, value in grid.items():
        path = f"{prefix}{key}" if isinstance(key, str) else key
        if isinstance(value, dict) and isinstance(key, str):
            for k, v in _flatten_grid(value, f"{path}.").items():
                out.pop(k, None)
                out[k] = v
        else:
            out.pop(path, None)
            out[path] = value
    return out


def _validate_grid(grid: Any, source: str) -> dict[str, list[Any]]:
    if grid is None:
        return {}
    if not isinstance(grid, dict):
        raise ConfigError(
            f"{source}: sweep.grid must be a mapping of key paths to lists of values, e.g. "
            f"{{hdbscan.min_cluster_size: [10, 15]}}; got {type(grid).__name__}")
    out: dict[str, list[Any]] = {}
    for key, values in _flatten_grid(grid).items():
        if not isinstance(key, str) or not key.strip() or any(not p for p in key.split(".")):
            raise ConfigError(f"{source}: sweep.grid: key {key!r} is not a key path like "
                              f"'hdbscan.min_cluster_size'")
        if key in _RESERVED:
            raise ConfigError(f"{source}: sweep.grid.{key}: cannot be swept: {_RESERVED[key]}")
        _schema_field(key, source)
        if not isinstance(values, list):
            raise ConfigError(f"{source}: sweep.grid.{key} must be a list of values, e.g. "
                              f"[{values!r}, ...]; got {values!r}")
        if not values:
            raise ConfigError(f"{source}: sweep.grid.{key} is an empty list; give at least one value")
        seen: set[str] = set()
        for v in values:
            c = _canonical(v)
            if c in seen:
                raise ConfigError(f"{source}: sweep.grid.{key} lists the value {v!r} twice")
            seen.add(c)
        out[key] = list(values)
    return out


def _validate_seeds(seeds: Any, default: Any, source: str) -> list[int]:
    if seeds is None:
        return [default]
    if not isinstance(seeds, list) or not seeds:
        raise ConfigError(f"{source}: sweep.seeds must be a non-empty list of integers >= 0, "
                          f"e.g. [0, 1, 2]; got {seeds!r}")
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, int) or s < 0:
            raise ConfigError(f"{source}: sweep.seeds: {s!r} is not an integer >= 0 "
                              f"(allowed: integers >= 0, e.g. [0, 1, 2])")
    if len(set(seeds)) != len(seeds):
        dup = next(s for s in seeds if seeds.count(s) > 1)
        raise ConfigError(f"{source}: sweep.seeds lists the seed {dup} twice")
    return list(seeds)


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    node = data
    parts = path.split(".")
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = copy.deepcopy(value)


def _slug(value: Any) -> str:
    text = value if isinstance(value, str) else _canonical(value)
    text = re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-.")
    return text[:40] or "x"


def _short_keys(keys: Sequence[str]) -> dict[str, str]:
    """The last part of each key path, or the whole path when two keys end alike."""
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return {k: (s if last.count(s) == 1 else k) for k, s in zip(keys, last)}


def _cell_names(grid: dict[str, list[Any]], cells: list[dict[str, Any]]) -> list[str]:
    if not grid:
        return ["base"]
    short = _short_keys(list(grid))
    names = ["_".join(f"{short[k]}-{_slug(v)}" for k, v in cell.items()) for cell in cells]
    for name in set(names):
        clash = [i for i, n in enumerate(names) if n == name]
        if len(clash) > 1:  # different values that slug alike: add a digest of the values
            for i in clash:
                digest = hashlib.sha256(_canonical(cells[i]).encode("utf-8")).hexdigest()[:6]
                names[i] = f"{name}-{digest}"
    return names


def expand_sweep(data: dict[str, Any], source: str = "config") -> list[SweepPoint]:
    """Validate the ``sweep:`` section of a merged config and list its points.

    Parameters
    ----------
    data : dict
        A config mapping after ``extends`` merging and ``--set`` overrides, with a ``sweep``
        key holding ``grid`` (key path -> list of values) and/or ``seeds`` (list of int).
    source : str, default "config"
        Named in error messages (the config file).

    Returns
    -------
    list of SweepPoint
        Grid cells in the order the keys and values are written (the last key varies
        fastest), each repeated for every seed. Without ``seeds`` each cell runs once with
        the config's ``seed``; without ``grid`` the sweep is over seeds only.

    Raises
    ------
    ConfigError
        The section is missing or malformed, a grid key is not a config value, a value is
        invalid for its key, or a seed is not an integer >= 0. The message names the file
        and the key.
    """
    if "sweep" not in data:
        raise ConfigError(
            f"{source}: no 'sweep' section; add one such as\n"
            "sweep:\n  grid:\n    hdbscan.min_cluster_size: [10, 15, 25]\n  seeds: [0, 1, 2]\n"
            "or use `topicbridge run` for a single run")
    section = data["sweep"]
    if not isinstance(section, dict):
        raise ConfigError(f"{source}: 'sweep' must be a mapping with 'grid' and/or 'seeds'; "
                          f"got {section!r}")
    unknown = sorted(str(k) for k in section if k not in _SWEEP_KEYS)
    if unknown:
        raise ConfigError(f"{source}: unknown key 'sweep.{unknown[0]}' (allowed here: "
                          f"{', '.join(_SWEEP_KEYS)})")
    if section.get("grid") is None and section.get("seeds") is None:
        raise ConfigError(f"{source}: 'sweep' needs 'grid' (key path -> list of values) or "
                          f"'seeds' (list of integers), or both")
    grid = _validate_grid(section.get("grid"), source)
    default_seed = data.get("seed", ExperimentConfig.model_fields["seed"].default)
    seeds = _validate_seeds(section.get("seeds"), default_seed, source)

    base = {k: v for k, v in data.items() if k != "sweep"}
    config_from_dict(base, source)  # problems outside the sweep section are reported as they are
    prefix = f"{source}: "
    for key, values in grid.items():  # each value must be valid for its key on its own
        for value in values:
            trial = copy.deepcopy(base)
            _set_path(trial, key, value)
            try:
                config_from_dict(trial, source)
            except ConfigError as exc:
                detail = "; ".join(line[len(prefix):] if line.startswith(prefix) else line
                                   for line in str(exc).splitlines())
                raise ConfigError(
                    f"{source}: sweep.grid.{key}: value {value!r} is not valid: {detail}") from None

    cells = [dict(zip(grid, combo)) for combo in itertools.product(*grid.values())] or [{}]
    names = _cell_names(grid, cells)
    return [SweepPoint(name=f"{cell_name}_seed-{seed}", overrides=dict(cell), seed=seed, cell=cell_name)
            for cell, cell_name in zip(cells, names) for seed in seeds]


def point_config(data: dict[str, Any], point: SweepPoint, source: str = "config") -> ExperimentConfig:
    """The validated config of one point: ``data`` without ``sweep``, plus its values and seed.

    The point's ``name`` becomes ``<config name>-<point name>``.

    Raises
    ------
    ConfigError
        The combination of values is invalid (the message names the point).
    """
    base = {k: v for k, v in data.items() if k != "sweep"}
    merged = copy.deepcopy(base)
    for key, value in point.overrides.items():
        _set_path(merged, key, value)
    merged["seed"] = point.seed
    name = str(base.get("name", ExperimentConfig.model_fields["name"].default))
    merged["name"] = f"{name}-{point.name}"
    try:
        return config_from_dict(merged, f"{source} (sweep point {point.name})")
    except ConfigError as exc:
        raise ConfigError(str(exc)) from None


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
        result = _run_point(point, config, target, embedders)
        advance(1)
        results.append(result)
        if result.status == "failed":
            log.warning("sweep point %s failed: %s", point.name, result.error)
        else:
            log.info("sweep point %s: %s", point.name, result.status)

    cells = summarize_cells(results)
    summary_csv, cells_csv, summary_md = folder / "summary.csv", folder / "cells.csv", folder / "summary.md"
    metric_keys = _metric_keys(results)
    _write_text_atomic(summary_csv, _points_csv(results, metric_keys))
    _write_text_atomic(cells_csv, _cells_csv(cells, metric_keys))
    _write_text_atomic(summary_md, _markdown(definition, results, cells, metric_keys))
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


# ----------------------------------------------------------------------------- summaries


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def _metric_keys(results: Sequence[PointResult]) -> list[str]:
    keys: list[str] = []
    for r in results:
        keys.extend(k for k in r.metrics if k not in keys)
    return keys


def _read_topics(run_dir: Path) -> dict[str, int]:
    """Unit id -> topic from a run's assignments.csv."""
    path = run_dir / "assignments.csv"
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return {row["id"]: int(row["topic"]) for row in csv.DictReader(fh)}
    except (OSError, KeyError, ValueError, csv.Error) as exc:
        raise RunError(f"{path}: cannot read unit topics ({exc})") from None


def _topic_arrays(results: Sequence[PointResult]) -> list[np.ndarray]:
    """Topic per unit of each run, over the unit ids all of them share, in one order."""
    maps = [_read_topics(r.path) for r in results]
    shared = set(maps[0]).intersection(*maps[1:])
    order = [i for i in maps[0] if i in shared]
    if len(order) < max(len(m) for m in maps):
        log.warning("runs of one grid cell cover different units; stability uses the %d shared ones",
                    len(order))
    return [np.array([m[i] for i in order], dtype=int) for m in maps]


def summarize_cells(results: Sequence[PointResult]) -> list[dict[str, Any]]:
    """Aggregate the points of each grid cell over their seeds.

    Parameters
    ----------
    results : sequence of PointResult
        Finished points; failed ones only count in ``n_failed``.

    Returns
    -------
    list of dict
        One per cell, in sweep order: ``cell``, the grid values (``overrides``), ``seeds``,
        ``n_ok``, ``n_failed``; ``stability`` (:func:`toolkit.evaluate.stability` over the
        cell's finished runs: ``ari_mean``, ``ari_min``, ``matched_topics``, ...; ``None``
        with fewer than two); and for every numeric metric ``<metric>_mean`` and
        ``<metric>_std`` over the runs where it is a number (sample standard deviation,
        ``ddof=1``; ``None`` with fewer than two values).
    """
    from toolkit.evaluate import stability

    order: list[str] = []
    groups: dict[str, list[PointResult]] = {}
    for r in results:
        if r.point.cell not in groups:
            order.append(r.point.cell)
            groups[r.point.cell] = []
        groups[r.point.cell].append(r)
    keys = _metric_keys(results)
    cells = []
    for cell in order:
        members = groups[cell]
        done = [r for r in members if r.ok]
        row: dict[str, Any] = {
            "cell": cell,
            "overrides": dict(members[0].point.overrides),
            "seeds": [r.point.seed for r in members],
            "n_ok": len(done),
            "n_failed": len(members) - len(done),
            "stability": None,
        }
        if len(done) >= 2:
            try:
                row["stability"] = stability(_topic_arrays(done))
            except ToolkitError as exc:
                log.warning("no stability for cell %s: %s", cell, exc)
        for key in keys:
            values = [x for x in (_number(r.metrics.get(key)) for r in done) if x is not None]
            row[f"{key}_mean"] = float(np.mean(values)) if values else None
            row[f"{key}_std"] = float(np.std(values, ddof=1)) if len(values) >= 2 else None
        cells.append(row)
    return cells


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return "" if not math.isfinite(v) else repr(round(v, 6))
    if isinstance(v, (dict, list)):
        return _canonical(v)
    return str(v)


def _csv_text(header: list[str], rows: list[list[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_fmt(v) for v in row])
    return buf.getvalue()


def _grid_keys(results: Sequence[PointResult]) -> list[str]:
    keys: list[str] = []
    for r in results:
        keys.extend(k for k in r.point.overrides if k not in keys)
    return keys


def _run_facts(r: PointResult) -> list[Any]:
    m = r.manifest
    timings = m.get("timings") or {}
    cache = m.get("cache") or {}
    emb = cache.get("embeddings") or {}
    run_seconds = round(sum(v for v in timings.values() if isinstance(v, (int, float))), 3) if timings else None
    return [run_seconds, timings.get("embed"), emb.get("computed"), cache.get("umap")]


_FACTS = ["run_seconds", "embed_seconds", "embeddings_computed", "umap_cache"]


def _points_csv(results: Sequence[PointResult], metric_keys: list[str]) -> str:
    grid = _grid_keys(results)
    header = ["point", "cell", *grid, "seed", "status", "error", "run", *_FACTS, *metric_keys]
    rows = []
    for r in results:
        rows.append([r.point.name, r.point.cell, *[r.point.overrides.get(k) for k in grid], r.point.seed,
                     r.status, r.error, r.point.name if r.ok else None, *_run_facts(r),
                     *[r.metrics.get(k) for k in metric_keys]])
    return _csv_text(header, rows)


_STAB = ("ari_mean", "ari_min", "matched_topics")


def _cells_csv(cells: Sequence[dict[str, Any]], metric_keys: list[str]) -> str:
    grid: list[str] = []
    for c in cells:
        grid.extend(k for k in c["overrides"] if k not in grid)
    stats = [f"{k}_{s}" for k in metric_keys for s in ("mean", "std")]
    header = ["cell", *grid, "n_ok", "n_failed", *[f"stability_{s}" for s in _STAB], *stats]
    rows = []
    for c in cells:
        stab = c["stability"] or {}
        rows.append([c["cell"], *[c["overrides"].get(k) for k in grid], c["n_ok"], c["n_failed"],
                     *[stab.get(s) for s in _STAB], *[c.get(k) for k in stats]])
    return _csv_text(header, rows)


def _md_num(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            return "–"
        if abs(v) >= 1000 or v == int(v):
            return f"{v:.0f}"
        return f"{v:.3f}"
    return _md_cell(str(v))


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _mean_std(cell: dict[str, Any], key: str) -> str:
    mean, std = cell.get(f"{key}_mean"), cell.get(f"{key}_std")
    if mean is None:
        return "–"
    return _md_num(mean) if std is None else f"{_md_num(mean)} ± {_md_num(std)}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _markdown(definition: dict[str, Any], results: Sequence[PointResult], cells: Sequence[dict[str, Any]],
              metric_keys: list[str]) -> str:
    grid = _grid_keys(results)
    short = _short_keys(grid)
    n_failed = sum(r.status == "failed" for r in results)
    n_resumed = sum(r.status == "resumed" for r in results)
    numeric = [k for k in metric_keys if any(_number(r.metrics.get(k)) is not None for r in results)]
    headline = [k for k in _HEADLINE if k in numeric] or numeric[:6]
    lines = [f"# Sweep {definition['name']}", ""]
    lines.append(f"Config `{definition['config']}`"
                 + (f" with {', '.join(f'`--set {o}`' for o in definition['overrides'])}"
                    if definition["overrides"] else "") + ".")
    for key in grid:
        values = list(dict.fromkeys(_fmt(r.point.overrides.get(key)) for r in results))
        lines.append(f"Grid `{key}`: {', '.join(values)}.")
    lines.append(f"Seeds: {', '.join(str(s) for s in definition['seeds'])}.")
    lines.append(f"{len(results)} points: {len(results) - n_failed} complete ({n_resumed} from an "
                 f"earlier invocation), {n_failed} failed.")
    lines += ["", "## Grid cells", "",
              "Mean ± standard deviation (sample, ddof=1) over the seeds that completed. "
              "Stability compares the seeds of a cell: ARI between their topic assignments "
              "(mean over pairs) and the share of topics matched one-to-one with Jaccard ≥ 0.5.", ""]
    header = [*[f"`{short[k]}`" for k in grid], "ok", *headline, "ARI between seeds", "matched topics"]
    rows = []
    for c in cells:
        stab = c["stability"] or {}
        rows.append([*[_md_cell(_fmt(c["overrides"].get(k))) for k in grid], f"{c['n_ok']}/{c['n_ok'] + c['n_failed']}",
                     *[_mean_std(c, k) for k in headline],
                     _md_num(stab.get("ari_mean")), _md_num(stab.get("matched_topics"))])
    lines += _table(header, rows)
    lines += ["", "## Points", ""]
    header = ["point", "seed", "status", "seconds", *headline]
    rows = []
    for r in results:
        facts = _run_facts(r)
        link = f"[{r.point.name}]({r.point.name}/report.md)" if r.ok else r.point.name
        rows.append([link, str(r.point.seed), r.status, _md_num(facts[0]),
                     *[_md_num(r.metrics.get(k)) for k in headline]])
    lines += _table(header, rows)
    failed = [r for r in results if r.status == "failed"]
    if failed:
        lines += ["", "## Failed points", ""]
        lines += [f"- `{r.point.name}`: {_md_cell(r.error or 'unknown error')}" for r in failed]
    if numeric:
        lines += ["", "## Every metric per grid cell", ""]
        lines += _table(["metric", *[f"`{c['cell']}`" for c in cells]],
                        [[k, *[_mean_std(c, k) for c in cells]] for k in numeric])
        done = [r for r in results if r.ok]
        lines += ["", "## Every metric per point", ""]
        lines += _table(["metric", *[f"`{r.point.name}`" for r in done]],
                        [[k, *[_md_num(r.metrics.get(k)) for r in done]] for k in numeric])
    lines += ["", "Files: `summary.csv` (one row per point), `cells.csv` (one row per grid cell), "
              "`sweep.json` (definition and status).", ""]
    return "\n".join(lines)
