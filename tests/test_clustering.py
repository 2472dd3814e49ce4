"""toolkit.topics.clustering and .clusterers: the registry of clusterers for BERTopic, and choosing k."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from toolkit.config import config_from_dict
from toolkit.errors import ConfigError, ParameterError, TopicModelError
from toolkit.topics.clusterers import (
    AgglomerativeClusterer,
    GaussianMixtureClusterer,
    HdbscanClusterer,
    KMeansClusterer,
    auto_k_range,
)
from toolkit.topics.clustering import CLUSTER_METHODS, CLUSTERERS, build_clusterer


def _clusterer(method, **params):
    """The registry's class for ``method`` with the parameters it has (agglomerative has no n_init)."""
    cls = CLUSTERERS[method]
    return cls(**{k: v for k, v in params.items() if k in cls().get_params()})


def _blobs(sizes=(40, 30, 20, 10), dim: int = 5, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = np.eye(dim)[: len(sizes)] * 10.0
    X = np.vstack([c + rng.normal(scale=0.3, size=(n, dim)) for c, n in zip(centres, sizes)])
    y = np.repeat(np.arange(len(sizes)), sizes)
    return X, y


def _config(**clustering):
    return config_from_dict({"corpus": {"path": "x.jsonl"}, "seed": 3, "clustering": clustering})


def test_methods():
    assert CLUSTER_METHODS == ("hierarchy", "hdbscan", "kmeans", "gmm", "agglomerative")
    assert tuple(CLUSTERERS) == CLUSTER_METHODS and len(CLUSTERERS) == 5
    assert CLUSTERERS["kmeans"] is KMeansClusterer and CLUSTERERS["hdbscan"] is HdbscanClusterer
    assert "dbscan" not in CLUSTERERS


@pytest.mark.parametrize("method", ["kmeans", "gmm", "agglomerative"])
def test_fixed_k_recovers_blobs_with_ids_by_size(method):
    X, y = _blobs()
    model = _clusterer(method, n_clusters=4, random_state=0, n_init=2).fit(X)
    assert adjusted_rand_score(y, model.labels_) == 1.0
    assert model.n_clusters_ == 4
    # 0 is the largest cluster, 3 the smallest
    assert np.bincount(model.labels_).tolist() == [40, 30, 20, 10]
    assert np.array_equal(model.fit_predict(X), model.labels_)


def test_fixed_k_is_deterministic_for_a_seed():
    X, _ = _blobs(seed=1)
    a = KMeansClusterer(n_clusters=6, random_state=5).fit(X).labels_
    b = KMeansClusterer(n_clusters=6, random_state=5).fit(X).labels_
    assert np.array_equal(a, b)


def test_fixed_k_clipped_to_the_number_of_points():
    X, _ = _blobs(sizes=(2, 2))
    assert KMeansClusterer(n_clusters=10).fit(X).n_clusters_ == 4


@pytest.mark.parametrize("method", ["kmeans", "gmm", "agglomerative"])
def test_auto_k_finds_the_blob_count(method):
    X, y = _blobs()
    model = _clusterer(method, min_clusters=2, max_clusters=6, min_size=5, tolerance=0.0, n_init=2).fit(X)
    assert model.n_clusters_ == 4
    assert adjusted_rand_score(y, model.labels_) == 1.0
    assert sorted(model.scores_) == list(range(2, 7))
    assert max(model.scores_, key=model.scores_.get) == 4


def test_auto_k_tolerance_keeps_the_smallest_near_best_count():
    X, _ = _blobs(sizes=(30, 30, 30, 30, 30, 30), dim=8)
    strict = KMeansClusterer(min_clusters=2, max_clusters=8, min_size=5, tolerance=0.0, n_init=2).fit(X)
    loose = KMeansClusterer(min_clusters=2, max_clusters=8, min_size=5, tolerance=0.9, n_init=2).fit(X)
    best = max(strict.scores_.values())
    assert strict.n_clusters_ == 6
    assert loose.scores_ == strict.scores_
    expected = min(k for k, v in loose.scores_.items() if v >= best * (1 - 0.9))
    assert loose.n_clusters_ == expected < 6


def test_auto_k_range_grows_with_the_corpus():
    assert auto_k_range(3012) == (5, 30)
    assert auto_k_range(1004) == (5, 30)
    assert auto_k_range(300) == (5, 20)
    assert auto_k_range(74) == (4, 4)
    assert auto_k_range(20) == (2, 2)
    assert auto_k_range(3) == (2, 2)
    assert auto_k_range(500, min_clusters=3, max_clusters=10, min_size=100) == (3, 5)
    with pytest.raises(TopicModelError, match="only 2 units: too few to choose a number of clusters"):
        auto_k_range(2)


@pytest.mark.parametrize("make, message", [
    (lambda: KMeansClusterer(n_clusters=1), r"^n_clusters: expected an integer >= 2 or 'auto', got 1$"),
    (lambda: AgglomerativeClusterer(linkage="median"), r"^linkage: expected one of ward"),
    (lambda: GaussianMixtureClusterer(covariance_type="round"), r"^covariance_type: expected one of full"),
    (lambda: KMeansClusterer(min_clusters=6, max_clusters=4),
     r"^max_clusters: must be at least min_clusters \(6\), got 4$"),
    (lambda: KMeansClusterer(tolerance=1.5), r"^tolerance: expected a number in \[0, 1\), got 1.5$"),
    (lambda: KMeansClusterer(n_init=0), r"^n_init: expected an integer >= 1, got 0$"),
    (lambda: GaussianMixtureClusterer(min_size=0), r"^min_size: expected an integer >= 1, got 0$"),
])
def test_bad_parameters_name_the_parameter(make, message):
    X, _ = _blobs()
    with pytest.raises(ParameterError, match=message):
        make().fit(X)


def test_an_unknown_method_names_the_methods():
    with pytest.raises(ParameterError, match=r"^method: expected one of hierarchy, hdbscan, kmeans, gmm, agglomerative, "
                                             r"got 'dbscan'$"):
        CLUSTERERS.get_class("dbscan")
    with pytest.raises(KeyError):
        CLUSTERERS["dbscan"]


def test_too_few_points():
    with pytest.raises(TopicModelError, match="KMeansClusterer: need a 2-D matrix with at least 2 rows to cluster"):
        KMeansClusterer().fit(np.zeros((1, 3)))


def test_clusterers_are_scikit_learn_estimators():
    from sklearn.base import clone

    model = GaussianMixtureClusterer(n_clusters=3, covariance_type="diag")
    assert model.get_params() == {"n_clusters": 3, "min_clusters": 5, "max_clusters": 30, "min_size": 15,
                                  "tolerance": 0.05, "random_state": 42, "n_init": 10, "covariance_type": "diag"}
    copy = clone(model).set_params(n_init=2)
    assert (copy.n_init, model.n_init, copy.covariance_type) == (2, 10, "diag")
    X, _ = _blobs()
    assert not hasattr(copy, "labels_") and copy.fit_predict(X).shape == (100,)
    assert clone(HdbscanClusterer(min_cluster_size=7)).get_params()["min_cluster_size"] == 7


def test_build_clusterer_from_config(caplog):
    from hdbscan import HDBSCAN

    cfg = config_from_dict({"corpus": {"path": "x.jsonl"}, "hdbscan": {"min_cluster_size": 15},
                            "clustering": {"method": "hdbscan"}})
    with caplog.at_level(logging.WARNING):
        model = build_clusterer(cfg, 20)
    assert isinstance(model, HDBSCAN) and model.min_cluster_size == 10
    assert "hdbscan.min_cluster_size 15 -> 10" in caplog.text

    model = build_clusterer(_config(method="gmm", n_clusters=4, covariance_type="diag"), 100)
    assert isinstance(model, GaussianMixtureClusterer)
    assert (model.n_clusters, model.random_state, model.covariance_type) == (4, 3, "diag")

    model = build_clusterer(_config(method="agglomerative", min_clusters=3, auto_tolerance=0.1), 100)
    assert isinstance(model, AgglomerativeClusterer)
    assert (model.n_clusters, model.min_clusters, model.tolerance, model.random_state) == ("auto", 3, 0.1, 3)

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        model = build_clusterer(_config(method="kmeans", n_clusters=50), 12)
    assert model.n_clusters == 12
    assert "clustering.n_clusters 50 -> 12" in caplog.text


def test_config_rejects_bad_cluster_counts():
    with pytest.raises(ConfigError, match=r"'clustering.n_clusters': .*expected an integer >= 2 or 'auto'"):
        _config(n_clusters=1)
    with pytest.raises(ConfigError, match=r"'clustering.max_clusters': .*must be at least min_clusters \(5\)"):
        _config(max_clusters=4)
    with pytest.raises(ConfigError, match=r"unknown key 'clustering.k'"):
        _config(k=3)
