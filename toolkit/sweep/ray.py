"""Sweeps on Ray: one Ray task per sweep point (``topicbridge sweep CONFIG --backend ray``).

Each point is an ordinary run (:func:`toolkit.sweep.point.run_point`, so the same resume and error
rules as the local sweep) executed inside a Ray task with ``embedding.threads`` CPUs
(default 1). Inside the task the point runs with ``execution.backend: local``: the point is
already the unit of parallelism. Points whose run directory is complete are skipped without
scheduling anything. A task whose worker dies (killed, out of memory, node lost) is retried
(``max_retries``); run directories appear complete or not at all, so the retry starts from a
clean slate. The sweep folder and the embedding cache must be on storage every worker reaches
(on one machine: any local folder). Each task runs in the directory the sweep was started
from, so relative paths (``corpus.path``, ``--out``, ``cache.dir``) mean what they mean for a
local sweep; on a cluster that directory must exist on every node, or the paths must be
absolute.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Sequence

from toolkit.runs import is_complete_run
from toolkit.sweep.point import Embedders, run_point
from toolkit.sweep.points import PointResult

__all__ = ["run_points_ray", "run_point_task", "in_directory", "TASK_RETRIES"]

log = logging.getLogger(__name__)

#: How often a point is retried when its worker process dies.
TASK_RETRIES = 3


def run_point_task(point: Any, config: Any, target: str) -> Any:
    """Body of the Ray task: run one point locally inside the worker."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    local = config.model_copy(update={"execution": config.execution.model_copy(update={"backend": "local"})})
    return run_point(point, local, Path(target), Embedders())


def in_directory(cwd: str, task: Callable[[Any, Any, str], Any], point: Any, config: Any, target: str) -> Any:
    """Run ``task`` with ``cwd`` as the current directory, then restore the worker's own."""
    import os

    if not os.path.isdir(cwd):
        return PointResult(point, "failed", Path(target), error=(
            f"the sweep was started in {cwd}, which this Ray node does not have; give corpus.path, "
            "--out and cache.dir as absolute paths on storage every node reaches"))
    before = os.getcwd()
    os.chdir(cwd)
    try:
        return task(point, config, target)
    finally:
        os.chdir(before)


def run_points_ray(points: Sequence[Any], configs: Sequence[Any], folder: Path, execution: Any,
                   progress: Callable[[str, int | None], Callable[[int], None]],
                   task: Callable[[Any, Any, str], Any] | None = None) -> list[Any]:
    """Run sweep points as Ray tasks; returns their :class:`toolkit.sweep.PointResult` in point order.

    ``task(point, config, target)`` is what runs inside the Ray task (default: run the point
    locally); tests pass a wrapper that injects faults.
    """
    from toolkit.distributed.runtime import ensure_ray

    ray = ensure_ray(execution)
    results: list[Any] = [None] * len(points)
    pending: dict[Any, int] = {}
    n = len(points)
    for i, (point, config) in enumerate(zip(points, configs)):
        target = folder / point.name
        if is_complete_run(target):  # resume: read it here, schedule nothing
            progress(f"{i + 1}/{n} {point.name} (done before)", None)(1)
            results[i] = run_point(point, config, target, Embedders())
            continue
        remote = ray.remote(in_directory).options(
            num_cpus=config.embedding.threads or 1, max_retries=TASK_RETRIES, retry_exceptions=False)
        pending[remote.remote(str(Path.cwd()), task or run_point_task, point, config, str(target))] = i
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        i = pending.pop(done[0])
        try:
            results[i] = ray.get(done[0])
        except Exception as exc:  # noqa: BLE001 - a lost point is recorded, the sweep goes on
            log.warning("sweep point %s was lost on Ray: %s", points[i].name, exc)
            results[i] = PointResult(points[i], "failed", folder / points[i].name, error=(
                f"the Ray task failed {TASK_RETRIES + 1} times ({type(exc).__name__}); rerun the sweep "
                "with the same --out to retry this point"))
        progress(f"{i + 1}/{n} {points[i].name}", None)(1)
        status = results[i].status
        (log.warning if status == "failed" else log.info)("sweep point %s: %s", points[i].name, status)
    return results
