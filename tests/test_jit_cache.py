"""UMAP's and pynndescent's numba compilations are kept on disk between processes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from toolkit.topics.jit_cache import enable_library_caching, import_umap, uncached_functions


def test_import_umap_switches_the_disk_cache_on_for_umap_and_pynndescent():
    umap = import_umap()
    assert hasattr(umap, "UMAP")
    assert [f"{name}.{d.py_func.__name__}" for name, d in uncached_functions(("umap", "pynndescent"))] == []


def test_switched_off_by_the_environment(monkeypatch, tmp_path):
    import importlib

    from numba.core.caching import NullCache

    (tmp_path / "tbprobe.py").write_text("import numba\n\n@numba.njit\ndef twice(x):\n    return 2 * x\n",
                                         encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    probe = importlib.import_module("tbprobe")
    try:
        monkeypatch.setenv("TOPICBRIDGE_NUMBA_CACHE", "0")
        assert enable_library_caching(("tbprobe",)) == 0 and isinstance(probe.twice._cache, NullCache)
        monkeypatch.delenv("TOPICBRIDGE_NUMBA_CACHE")
        assert enable_library_caching(("tbprobe",)) == 1 and not isinstance(probe.twice._cache, NullCache)
        assert probe.twice(21) == 42
    finally:
        sys.modules.pop("tbprobe", None)


@pytest.mark.slow
def test_a_umap_fit_leaves_its_compilations_in_the_cache_folder(tmp_path):
    """A fresh process fits a small UMAP; numba writes the compiled functions to NUMBA_CACHE_DIR."""
    code = ("import numpy as np\n"
            "from toolkit.topics.reduce import reduce_embeddings\n"
            "x = np.random.default_rng(0).normal(size=(80, 8)).astype(np.float32)\n"
            "reduce_embeddings(x, n_components=2, n_neighbors=5, seed=1)\n")
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    env.pop("TOPICBRIDGE_NUMBA_CACHE", None)
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=600)
    written = {p.name.split("-")[0] for p in tmp_path.rglob("*.nbi")}
    # functions umap-learn itself leaves uncached
    assert {"umap_.smooth_knn_dist", "layouts._optimize_layout_euclidean_single_epoch"} <= written
