"""Ray start-up: the missing-extra error, ``ray.init`` for a local or existing cluster, sizes."""

from __future__ import annotations

import logging
import os
from typing import Any

from toolkit.errors import ConfigError

__all__ = ["require_ray", "ensure_ray", "worker_count", "gpus_per_actor", "RAY_INSTALL"]

log = logging.getLogger(__name__)

#: What to run when the extra is missing.
RAY_INSTALL = 'pip install "topicbridge[ray]"'


def require_ray() -> Any:
    """Import and return ``ray`` (with Ray Data), or raise one clear :class:`ConfigError`."""
    try:
        import ray
        import ray.data  # noqa: F401  (the extra installs ray[data]; plain ray lacks it)
    except ImportError as exc:
        raise ConfigError(
            f"execution.backend 'ray' needs the Ray extra, which is not installed ({exc.name or exc}); "
            f"install it with: {RAY_INSTALL}  (or set execution.backend: local)") from None
    return ray


def ensure_ray(execution: Any, *, num_cpus: int | None = None) -> Any:
    """Connect to Ray once per process and return the module.

    Parameters
    ----------
    execution : toolkit.config.ExecutionConfig
        ``address`` joins an existing cluster ('auto', 'ray://host:10001'); ``None`` starts a
        private local instance (dashboard off, usage statistics off, quiet logging).
    num_cpus : int, optional
        CPUs of a local instance (default: what Ray detects).
    """
    ray = require_ray()
    if ray.is_initialized():
        return ray
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                              "configure_logging": True, "logging_level": logging.WARNING}
    if execution.address:
        kwargs["address"] = execution.address
    else:
        kwargs["_node_ip_address"] = "127.0.0.1"
        if num_cpus is not None:
            kwargs["num_cpus"] = num_cpus
    try:
        ray.init(**kwargs)
    except ConnectionError as exc:
        raise ConfigError(f"execution.address {execution.address!r}: cannot join the Ray cluster ({exc}); "
                          "start it with `ray start --head` or leave execution.address empty") from None
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False  # the toolkit shows its own progress
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    log.info("ray: %s", ray.cluster_resources())
    return ray


def worker_count(ray: Any, execution: Any, threads: int) -> int:
    """Actors to start: ``execution.workers``, else the cluster's CPUs // threads (at least 1)."""
    if execution.workers:
        return int(execution.workers)
    cpus = int(ray.cluster_resources().get("CPU", 1))
    return max(1, cpus // max(1, threads))


def gpus_per_actor(ray: Any) -> float:
    """1 when the cluster has GPUs (one per embedding actor), else 0."""
    return 1.0 if ray.cluster_resources().get("GPU", 0) >= 1 else 0.0
