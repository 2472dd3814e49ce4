"""Running topicbridge on Ray (``execution.backend: ray``; ``pip install "topicbridge[ray]"``).

Nothing here is imported on the local path: :mod:`toolkit.experiment` and :mod:`toolkit.sweep`
import these modules only when the config chooses the Ray backend, and Ray itself is imported
inside :func:`toolkit.distributed.runtime.require_ray`.

- :mod:`~toolkit.distributed.runtime`: the one clear error without the extra, starting or
  joining a cluster, worker counts.
- :mod:`~toolkit.distributed.embed`: segments stream through Ray Data to embedder actors that
  write to the shared content-addressed embedding cache.
- :mod:`~toolkit.distributed.assign`: actors holding the fitted sample model assign the
  remaining segments chunk by chunk (``topics.fit_sample``).

Sweeps on Ray (one task per sweep point) live with the sweeps, in :mod:`toolkit.sweep.ray`:
that runs whole experiments, so it sits above :mod:`toolkit.experiment`, while everything
here works below one experiment.
"""

__all__: list[str] = []
