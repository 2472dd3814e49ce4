"""Chunk assignment on Ray (``topics.fit_sample`` with ``execution.backend: ray``).

A fixed pool of actors each receives the fitted :class:`~toolkit.topics.sample.TopicAssigner`
once (through the object store) and then assigns whole chunks. A chunk's result depends only
on the chunk, so the topics are the same with any number of actors, and the same as the
local backend's. Actors are restarted and their calls retried when a worker dies.
"""

from __future__ import annotations

from typing import Any, Iterator, Sequence

import numpy as np

__all__ = ["make_ray_chunk_runner"]


def _actor_class(ray: Any) -> Any:
    @ray.remote(max_restarts=2, max_task_retries=2)
    class AssignActor:
        def __init__(self, assigner: Any) -> None:
            self.assigner = assigner

        def assign(self, k: int, embeddings: np.ndarray, texts: list[str], langs: list[str]) -> tuple:
            topics, counts = self.assigner.assign(embeddings, texts, langs)
            return k, topics, counts

    return AssignActor


def make_ray_chunk_runner(config: Any):
    """A ``run_chunks`` callable for :func:`toolkit.topics.sample.fit_topics_sampled` that uses Ray."""
    from toolkit.distributed.runtime import ensure_ray, worker_count

    def run(assigner: Any, chunks: list[np.ndarray], embeddings: np.ndarray, texts: Sequence[str],
            langs: Sequence[str]) -> Iterator[tuple[int, np.ndarray, Any]]:
        if not chunks:
            return
        ray = ensure_ray(config.execution)
        from ray.util import ActorPool

        n = min(worker_count(ray, config.execution, 1), len(chunks))
        ref = ray.put(assigner)
        actor = _actor_class(ray).options(num_cpus=1)
        pool = ActorPool([actor.remote(ref) for _ in range(n)])
        work = ((k, pos) for k, pos in enumerate(chunks))
        yield from pool.map_unordered(
            lambda a, item: a.assign.remote(item[0], np.ascontiguousarray(embeddings[item[1]]),
                                            [texts[i] for i in item[1]], [langs[i] for i in item[1]]),
            work)

    return run
