"""Chunk assignment on Ray (``topics.fit_sample`` with ``execution.backend: ray``).

The fitted :class:`~toolkit.topics.sample.TopicAssigner` goes into the object store once per
run. Each chunk is one Ray task; the worker process that runs it keeps the assigner it fetched
(one per process, replaced when the next run's arrives), so a worker fetches and unpickles the
model once and then assigns chunk after chunk, as an actor holding it would. The fetched
assigner shares the object store's read-only memory with the node's other workers, except
for the search state a query writes, which each process copies (:func:`own_search_state`).
Unlike actors, Ray's task workers outlive the run: the next run, another sweep point or a
later chunk finds Python, the toolkit and UMAP's compiled code already loaded instead of
starting a process (about 5 s per process here, plus numba's cache loads).

At most ``execution.workers`` chunks are in flight, so no more chunk arrays sit in the object
store than there are workers to assign them. A chunk's result depends only on the chunk, so
the topics are the same with any number of workers and the same as the local backend's. A
task whose worker dies is retried (``ASSIGN_RETRIES``) on another worker.
"""

from __future__ import annotations

import uuid
from typing import Any, Iterator, Sequence

import numpy as np

__all__ = ["make_ray_chunk_runner", "assign_chunk_task", "held_assigner", "own_search_state", "ASSIGN_RETRIES"]

#: How often a chunk is retried when its worker process dies.
ASSIGN_RETRIES = 3

#: The assigner this worker process holds: ``{run key: assigner}``, at most one entry.
_HELD: dict[str, Any] = {}


def own_search_state(assigner: Any) -> Any:
    """Give this process its own copy of the search index state that a query writes; returns ``assigner``.

    ``ray.get`` returns the assigner's arrays as read-only, zero-copy views of object-store
    memory that every worker on the node shares. pynndescent's query still writes into its
    index's visited-node bitmap (``_visited``) through numba, which ignores the read-only flag,
    so two workers querying at once marked nodes in each other's bitmap and got other
    neighbours: 1.5% of 900,000 assignments changed from run to run. Every read-only array of
    the index except the data matrix is copied (a visited bit and a vertex number per sample
    row, under 1 MB at 100,000); the data and the search graph, which a query only reads, stay
    shared.
    """
    index = getattr(getattr(assigner, "reducer", None), "_knn_search_index", None)
    if index is None:
        return assigner
    for name, value in list(vars(index).items()):
        if isinstance(value, np.ndarray) and not value.flags.writeable and name != "_raw_data":
            setattr(index, name, value.copy())
    return assigner


def held_assigner(key: str, holder: list) -> Any:
    """This worker's assigner for run ``key``: fetched, and its search state copied, on first use.

    ``holder`` is a one-element list around the assigner's object reference, so Ray passes the
    reference instead of fetching the object for every task.
    """
    assigner = _HELD.get(key)
    if assigner is None:
        import ray

        _HELD.clear()  # one fitted model per worker: the previous run's goes
        assigner = _HELD[key] = own_search_state(ray.get(holder[0]))
    return assigner


def assign_chunk_task(key: str, holder: list, k: int, embeddings: np.ndarray, texts: list[str],
                      langs: list[str]) -> tuple[int, np.ndarray, Any]:
    """Body of the Ray task: assign chunk ``k`` with the run's assigner (:func:`held_assigner`)."""
    topics, counts = held_assigner(key, holder).assign(embeddings, texts, langs)
    return k, topics, counts


def make_ray_chunk_runner(config: Any):
    """A ``run_chunks`` callable for :func:`toolkit.topics.sample.fit_topics_sampled` that uses Ray."""
    from toolkit.distributed.runtime import ensure_ray, worker_count

    def run(assigner: Any, chunks: list[np.ndarray], embeddings: np.ndarray, texts: Sequence[str],
            langs: Sequence[str]) -> Iterator[tuple[int, np.ndarray, Any]]:
        if not chunks:
            return
        ray = ensure_ray(config.execution)
        in_flight = min(worker_count(ray, config.execution, 1), len(chunks))
        key, holder = uuid.uuid4().hex, [ray.put(assigner)]
        remote = ray.remote(assign_chunk_task).options(num_cpus=1, max_retries=ASSIGN_RETRIES)

        def submit(k: int) -> Any:
            pos = chunks[k]
            return remote.remote(key, holder, k, np.ascontiguousarray(embeddings[pos]),
                                 [texts[i] for i in pos], [langs[i] for i in pos])

        pending = [submit(k) for k in range(in_flight)]
        next_k = in_flight
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            if next_k < len(chunks):
                pending.append(submit(next_k))
                next_k += 1
            yield ray.get(done[0])

    return run
