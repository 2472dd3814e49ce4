"""One sweep point: run it into its folder, or resume it, with the same rules on every backend.

:func:`run_point` is what the local sweep (:mod:`toolkit.sweep.run`) calls for each point and
what a Ray task (:mod:`toolkit.sweep.ray`) runs inside its worker; :class:`Embedders` builds
each embedder once per process.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import yaml

from toolkit.config import ExperimentConfig
from toolkit.errors import RunError, ToolkitError
from toolkit.runs import is_complete_run, read_json
from toolkit.sweep.points import PointResult, SweepPoint, canonical

__all__ = ["Embedders", "run_point", "read_finished", "IGNORED_ON_RESUME"]

log = logging.getLogger(__name__)

#: Config sections that do not change a run's results; ignored when resuming.
IGNORED_ON_RESUME = ("output", "cache", "execution")


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
    for section in IGNORED_ON_RESUME:
        if isinstance(found, dict):
            found.pop(section, None)
        want.pop(section, None)
    if not isinstance(found, dict):
        return ["config.yaml (not a mapping)"]
    a, b = _flatten(found), _flatten(want)
    return sorted(k for k in set(a) | set(b) if canonical(a.get(k)) != canonical(b.get(k)))


def _scalars(metrics: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metrics.items()
            if v is None or isinstance(v, (bool, int, float, str))}


def read_finished(result: PointResult) -> PointResult:
    """Fill in metrics and manifest from the run directory (a broken one makes the point failed)."""
    try:
        metrics = read_json(result.path / "metrics.json")
        manifest = read_json(result.path / "manifest.json")
        if not isinstance(metrics, dict) or not isinstance(manifest, dict):
            raise RunError(f"{result.path}: metrics.json or manifest.json is not a JSON object")
    except ToolkitError as exc:
        result.status, result.error = "failed", f"{exc}; delete {result.path} to rerun the point"
        return result
    result.metrics, result.manifest = _scalars(metrics), manifest
    found = metrics.get("warnings")
    result.warnings = [str(w) for w in found] if isinstance(found, list) else []
    return result


class Embedders:
    """Build each embedder once per sweep (model loading is the slow part of a small run)."""

    def __init__(self, given: Any = None) -> None:
        self.given = given
        self.built: dict[tuple, Any] = {}

    def get(self, config: ExperimentConfig) -> Any:
        if self.given is not None:
            return self.given
        e = config.embedding
        key = (e.model, e.allow_download, e.threads, e.precision)
        if key not in self.built:
            from toolkit.embedding import get_embedder

            try:
                self.built[key] = get_embedder(e.model, allow_download=e.allow_download, threads=e.threads,
                                               precision=e.precision)
            except ToolkitError as exc:
                self.built[key] = exc
        found = self.built[key]
        if isinstance(found, ToolkitError):
            raise found
        return found


def run_point(point: SweepPoint, config: ExperimentConfig, target: Path, embedders: Embedders) -> PointResult:
    """Run one sweep point into ``target``, or read it back when it is already complete.

    The same rules for the local and the Ray backend: a complete run of the same config is
    ``resumed``; a complete run of another config, or a non-empty folder that is no run, is
    ``failed`` with what to do; any :class:`~toolkit.errors.ToolkitError` (and any bug) of the
    run makes the point ``failed`` and the sweep goes on.
    """
    from toolkit.experiment import run_experiment  # looked up per call: tests and notebooks may swap it

    if is_complete_run(target):
        differs = _config_mismatch(target, config)
        if differs:
            shown = ", ".join(differs[:5]) + (" ..." if len(differs) > 5 else "")
            return PointResult(point, "failed", target, error=(
                f"{target}: holds a finished run of a different config (differs in {shown}); "
                f"use a new --out for the changed sweep, or delete this folder to rerun the point"))
        return read_finished(PointResult(point, "resumed", target))
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
    return read_finished(PointResult(point, "ok", target, seconds=time.perf_counter() - start))
