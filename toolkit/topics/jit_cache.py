"""Keep UMAP's and pynndescent's numba compilations on disk between processes.

umap-learn and pynndescent compile most of their numba functions without ``cache=True``, so
every new Python process compiles them again before its first UMAP: measured here, 9.8 s
before a 500-row UMAP that takes 0.7 s, 54 s before one with an NN-descent search index, and
2.6 s before a ``transform`` that takes 0.3 s. Each CLI run, each sweep point on Ray and each
Ray actor that assigns chunks paid that. :func:`import_umap` turns numba's own on-disk cache
on for those functions (numba's ``Dispatcher.enable_caching``, what ``cache=True`` does at
decoration time), so a process after the first loads them instead: 0.7 s, 22 s and 0.3 s.
The remaining 21 s are pynndescent's ``nn_descent``, which numba refuses to cache (it uses
dynamic globals) and which only the NN-descent path (``topics.fit_sample``) needs.

numba stores the cache beside each module (``__pycache__``) or, where that is read-only, in
its user-wide cache folder (``NUMBA_CACHE_DIR`` sets another), and checks the source file's
timestamp, so an upgraded umap-learn compiles afresh. Results are the same with or without
the cache. ``TOPICBRIDGE_NUMBA_CACHE=0`` leaves the libraries as they are.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["import_umap", "enable_library_caching", "uncached_functions", "CACHED_PACKAGES"]

log = logging.getLogger(__name__)

#: Packages whose numba functions get the on-disk cache.
CACHED_PACKAGES = ("umap", "pynndescent")


def uncached_functions(packages: tuple[str, ...] = CACHED_PACKAGES) -> Iterator[tuple[str, Any]]:
    """``(module name, dispatcher)`` of every numba function the imported ``packages`` define without a disk cache."""
    try:
        from numba.core.caching import NullCache
        from numba.core.registry import CPUDispatcher
    except ImportError:  # pragma: no cover - numba moved its internals: nothing to find
        return
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in packages:
            continue
        for obj in list(vars(module).values()):
            if (isinstance(obj, CPUDispatcher) and isinstance(getattr(obj, "_cache", None), NullCache)
                    and getattr(obj.py_func, "__module__", None) == name):
                yield name, obj


def enable_library_caching(packages: tuple[str, ...] = CACHED_PACKAGES) -> int:
    """Turn numba's on-disk cache on for every uncached function the imported ``packages`` define.

    Only modules already imported are touched. Returns how many functions were switched on;
    0 when ``TOPICBRIDGE_NUMBA_CACHE=0`` or when numba's dispatcher lacks the hook.
    """
    if os.environ.get("TOPICBRIDGE_NUMBA_CACHE", "1").strip() == "0":
        return 0
    switched = 0
    for name, dispatcher in list(uncached_functions(packages)):
        try:
            dispatcher.enable_caching()
        except Exception as exc:  # noqa: BLE001 - a function numba cannot cache stays uncached
            log.debug("numba cache not enabled for %s.%s: %s", name, dispatcher.py_func.__name__, exc)
            continue
        switched += 1
    return switched


@functools.lru_cache(maxsize=None)
def _enabled_once() -> int:
    import warnings

    from numba.core.errors import NumbaWarning

    # pynndescent's nn_descent cannot be cached; numba would say so in every process
    warnings.filterwarnings("ignore", message=".*Cannot cache compiled function", category=NumbaWarning)
    switched = enable_library_caching()
    log.debug("numba on-disk cache enabled for %d umap/pynndescent functions", switched)
    return switched


def import_umap() -> Any:
    """Import ``umap`` with the on-disk compilation cache enabled (once per process); returns the module."""
    import umap
    import umap.umap_  # noqa: F401  (transform's module; imported by umap anyway)

    _enabled_once()
    return umap
