"""toolkit.topics.clustering: scikit-learn clusterers for BERTopic, and choosing k."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from toolkit.config import config_from_dict
from toolkit.errors import ConfigError, TopicModelError
from toolkit.topics.clustering import (
    CLUSTER_METHODS,
    AutoKClusterer,
    FixedKClusterer,
    auto_k_range,
    build_clusterer,
)


def _blobs(sizes=(40, 30, 20, 10), dim: int = 5, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = np.eye(dim)[: len(sizes)] * 10.0
    X = np.vstack([c + rng.normal(scale=0.3, size=(n, dim)) for c, n in zip(centres, sizes)])
    y = np.repeat(np.arange(len(sizes)), sizes)
    return X, y


def _config(**clustering):
    return config_from_dict({"corpus": {"path": "x.jsonl"}, "seed": 3, "clustering": clustering})


def test_methods():
    assert CLUSTER_METHODS == ("hdbscan", "kmeans", "gmm", "agglomerative")


@pytest.mark.parametrize("method", ["kmeans", "gmm", "agglomerative"])
def test_fixed_k_recovers_blobs_with_ids_by_size(method):
    X, y = _blobs()
    model = FixedKClusterer(method, n_clusters=4, random_state=0, n_init=2).fit(X)
    assert adjusted_rand_score(y, model.labels_) == 1.0
    assert model.n_clusters_ == 4
    # 0 is the largest cluster, 3 the smallest
    assert np.bincount(model.labels_).tolist() == [40, 30, 20, 10]
    assert np.array_equal(model.fit_predict(X), model.labels_)


def test_fixed_k_is_deterministic_for_a_seed():
    X, _ = _blobs(seed=1)
    a = FixedKClusterer("kmeans", n_clusters=6, random_state=5).fit(X).labels_
    b = FixedKClusterer("kmeans", n_clusters=6, random_state=5).fit(X).labels_
    assert np.array_equal(a, b)


def test_fixed_k_clipped_to_the_number_of_points():
    X, _ = _blobs(sizes=(2, 2))
    assert FixedKClusterer("kmeans", n_clusters=10).fit(X).n_clusters_ == 4


@pytest.mark.parametrize("method", ["kmeans", "gmm", "agglomerative"])
def test_auto_k_finds_the_blob_count(method):
    X, y = _blobs()
    model = AutoKClusterer(method, min_clusters=2, max_clusters=6, min_size=5, tolerance=0.0, n_init=2).fit(X)
    assert model.n_clusters_ == 4
    assert adjusted_rand_score(y, model.labels_) == 1.0
    assert sorted(model.scores_) == list(range(2, 7))
    assert max(model.scores_, key=model.scores_.get) == 4


def test_auto_k_tolerance_keeps_the_smallest_near_best_count():
    X, _ = _blobs(sizes=(30, 30, 30, 30, 30, 30), dim=8)
    strict = AutoKClusterer(min_clusters=2, max_clusters=8, min_size=5, tolerance=0.0, n_init=2).fit(X)
    loose = AutoKClusterer(min_clusters=2, max_clusters=8, min_size=5, tolerance=0.9, n_init=2).fit(X)
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
    (lambda: FixedKClusterer("dbscan"), r"clustering.method: expected one of kmeans, gmm, agglomerative, got 'dbscan'"),
    (lambda: FixedKClusterer("kmeans", n_clusters=1), r"clustering.n_clusters: expected an integer >= 2, got 1"),
    (lambda: FixedKClusterer("agglomerative", linkage="median"), r"clustering.linkage: expected one of ward"),
    (lambda: FixedKClusterer("gmm", covariance_type="round"), r"clustering.covariance_type: expected one of full"),
    (lambda: AutoKClusterer(min_clusters=6, max_clusters=4), r"clustering.max_clusters \(4\) must be at least"),
    (lambda: AutoKClusterer(tolerance=1.5), r"clustering.auto_tolerance: expected a number in \[0, 1\), got 1.5"),
    (lambda: AutoKClusterer(n_init=0), r"clustering.n_init: expected an integer >= 1, got 0"),
])
def test_bad_parameters_name_the_key(make, message):
    X, _ = _blobs()
    with pytest.raises(ConfigError, match=message):
        make().fit(X)


def test_too_few_points():
    with pytest.raises(TopicModelError, match="at least 2 rows to cluster"):
        FixedKClusterer().fit(np.zeros((1, 3)))


def test_build_clusterer_from_config(caplog):
    from hdbscan import HDBSCAN

    cfg = config_from_dict({"corpus": {"path": "x.jsonl"}, "hdbscan": {"min_cluster_size": 15}})
    with caplog.at_level(logging.WARNING):
        model = build_clusterer(cfg, 20)
    assert isinstance(model, HDBSCAN) and model.min_cluster_size == 10
    assert "hdbscan.min_cluster_size 15 -> 10" in caplog.text

    model = build_clusterer(_config(method="gmm", n_clusters=4, covariance_type="diag"), 100)
    assert isinstance(model, FixedKClusterer)
    assert (model.method, model.n_clusters, model.random_state, model.covariance_type) == ("gmm", 4, 3, "diag")

    model = build_clusterer(_config(method="agglomerative", min_clusters=3, auto_tolerance=0.1), 100)
    assert isinstance(model, AutoKClusterer)
    assert (model.min_clusters, model.tolerance, model.random_state) == (3, 0.1, 3)

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
