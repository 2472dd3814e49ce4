"""Sweep points: the ``sweep:`` section expanded into points, and each point's config.

See :mod:`toolkit.sweep` for what a sweep is. This module validates the section (grid key
paths against the config schema, values, seeds), expands the grid times the seeds into
:class:`SweepPoint` objects with stable folder names, and builds each point's validated
:class:`~toolkit.config.ExperimentConfig`.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from toolkit.config import ExperimentConfig, config_from_dict
from toolkit.errors import ConfigError

__all__ = ["SweepPoint", "PointResult", "SweepOutcome", "expand_sweep", "point_config", "canonical",
           "flatten_grid", "short_keys"]

#: Keys a ``sweep:`` section may hold.
_SWEEP_KEYS = ("grid", "seeds")
#: Config keys a grid may not vary (the sweep sets them itself).
_RESERVED = {
    "seed": "list seeds under 'sweep.seeds' instead",
    "name": "the sweep names its points itself",
}

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
    warnings : list of str
        The run's warnings (``metrics.json``), e.g. a point whose settings left 0 topics.
    """

    point: SweepPoint
    status: str
    path: Path
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    seconds: float = 0.0
    manifest: dict[str, Any] = field(default_factory=dict, repr=False)
    warnings: list[str] = field(default_factory=list)

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


def canonical(value: Any) -> str:
    """One JSON spelling of a value, so equal values compare equal as text."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def flatten_grid(grid: dict[Any, Any], prefix: str = "") -> dict[Any, Any]:
    """``{hdbscan: {min_cluster_size: [..]}}`` (what ``--set sweep.grid.a.b=[..]`` builds) ->
    ``{"hdbscan.min_cluster_size": [..]}``; a later spelling of the same key path wins."""
    out: dict[Any, Any] = {}
    for key, value in grid.items():
        path = f"{prefix}{key}" if isinstance(key, str) else key
        if isinstance(value, dict) and isinstance(key, str):
            for k, v in flatten_grid(value, f"{path}.").items():
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
    for key, values in flatten_grid(grid).items():
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
            c = canonical(v)
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
    text = value if isinstance(value, str) else canonical(value)
    text = re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-.")
    return text[:40] or "x"


def short_keys(keys: Sequence[str]) -> dict[str, str]:
    """The last part of each key path, or the whole path when two keys end alike."""
    last = [k.rsplit(".", 1)[-1] for k in keys]
    return {k: (s if last.count(s) == 1 else k) for k, s in zip(keys, last)}


def _cell_names(grid: dict[str, list[Any]], cells: list[dict[str, Any]]) -> list[str]:
    if not grid:
        return ["base"]
    short = short_keys(list(grid))
    names = ["_".join(f"{short[k]}-{_slug(v)}" for k, v in cell.items()) for cell in cells]
    for name in set(names):
        clash = [i for i, n in enumerate(names) if n == name]
        if len(clash) > 1:  # different values that slug alike: add a digest of the values
            for i in clash:
                digest = hashlib.sha256(canonical(cells[i]).encode("utf-8")).hexdigest()[:6]
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


