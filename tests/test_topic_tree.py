"""toolkit.topics.tree and the hierarchy clusterer: one tree, every level, a count that follows the data."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from toolkit.config import config_from_dict
from toolkit.errors import ConfigError, ParameterError
from toolkit.topics.tree_clusterer import TreeClusterer
from toolkit.topics.clustering import build_clusterer
from toolkit.topics.tree import (
    build_tree,
    candidate_counts,
    centroid_distances,
    centroid_silhouette,
    count_range,
    cut_merges,
    weighted_ward,
)


def _blobs(n_blobs: int, per: int = 30, dim: int = 5, seed: int = 0, spread: float = 0.15):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-10, 10, size=(n_blobs, dim))
    X = np.vstack([c + rng.normal(scale=spread, size=(per, dim)) for c in centres])
    return X, np.repeat(np.arange(n_blobs), per)


@pytest.mark.parametrize("n_blobs", [6, 40, 120])
def test_the_chosen_count_follows_the_data(n_blobs):
    X, y = _blobs(n_blobs, dim=10)
    model = TreeClusterer(min_size=15, random_state=0).fit(X)
    # random centres: at 120 blobs a few lie close enough to split or join
    assert abs(model.n_clusters_ - n_blobs) <= 0.03 * n_blobs
    assert adjusted_rand_score(y, model.labels_) > 0.95
    assert model.best_count_ == model.n_clusters_ and max(model.scores_) >= n_blobs


def test_levels_are_nested_cuts_of_one_tree():
    X, _ = _blobs(12)
    tree = TreeClusterer(random_state=1).fit(X).tree_
    fine, coarse = tree.labels(12), tree.labels(4)
    assert np.unique(coarse).size == 4 and np.unique(fine).size == 12
    for t in np.unique(fine):  # every fine topic lies inside one coarse topic
        assert np.unique(coarse[fine == t]).size == 1


def test_a_given_count_is_that_level_of_the_same_tree():
    X, _ = _blobs(10)
    auto = TreeClusterer(random_state=2).fit(X)
    fixed = TreeClusterer(n_clusters=5, random_state=2).fit(X)
    assert fixed.n_clusters_ == 5
    assert adjusted_rand_score(auto.tree_.labels(5), fixed.labels_) == 1.0


def test_fit_is_deterministic_for_a_seed_and_ids_follow_size():
    X, _ = _blobs(8, seed=3)
    a, b = TreeClusterer(random_state=5).fit(X), TreeClusterer(random_state=5).fit(X)
    assert np.array_equal(a.labels_, b.labels_)
    sizes = np.bincount(a.labels_)
    assert np.all(np.diff(sizes) <= 0)


def test_a_sample_fits_the_base_clusters_and_the_rest_is_assigned():
    X, y = _blobs(6, per=200)
    model = TreeClusterer(sample=300, random_state=0).fit(X)
    assert model.labels_.shape == (1200,) and model.n_clusters_ == 6
    assert adjusted_rand_score(y, model.labels_) > 0.95


def test_weighted_ward_merges_the_cheapest_pair_first():
    centroids = np.array([[0.0], [1.0], [10.0]])
    # equal sizes: 0 and 1 are closest
    assert weighted_ward(centroids, np.array([1, 1, 1]))[0].tolist() == [0, 1]
    # the cost grows with the sizes: 0 joining a cluster of 100 at distance 1 (100/101) still
    # beats 0 joining 2 at distance 10 (50); then the merged node 3 takes 2
    merges = weighted_ward(centroids, np.array([1, 100, 1]))
    assert merges[0].tolist() == [0, 1] and sorted(merges[1].tolist()) == [2, 3]
    # with 1 far away and heavy, 0 and 2 merge first
    merges = weighted_ward(np.array([[0.0], [6.0], [1.0]]), np.array([1, 100, 1]))
    assert sorted(merges[0].tolist()) == [0, 2]
    with pytest.raises(ParameterError, match="^sizes: need one positive size per centroid"):
        weighted_ward(centroids, np.array([1, 0, 1]))


def test_cut_merges_and_its_bounds():
    merges = weighted_ward(np.array([[0.0], [1.0], [10.0], [11.0]]), np.ones(4))
    assert cut_merges(merges, 4, 2).tolist() == [0, 0, 1, 1]
    assert cut_merges(merges, 4, 4).tolist() == [0, 1, 2, 3]
    with pytest.raises(ParameterError, match=r"^k: expected a topic count from 1 to 4, got 5"):
        cut_merges(merges, 4, 5)


def test_centroid_silhouette_prefers_the_true_grouping():
    c = np.array([[0.0], [0.1], [5.0], [5.1]])
    d = centroid_distances(c)
    good = centroid_silhouette(d, np.ones(4), np.array([0, 0, 1, 1]))
    bad = centroid_silhouette(d, np.ones(4), np.array([0, 1, 0, 1]))
    assert good > 0.9 and bad < 0
    assert centroid_silhouette(d, np.ones(4), np.zeros(4)) == -1.0


def test_candidates_are_uncapped_and_dense_up_to_a_hundred():
    assert count_range(10_000, 2000, 5, None, 15) == (5, 666)
    assert count_range(10_000, 2000, 5, 40, 15) == (5, 40)
    assert count_range(20, 4, 5, None, 15) == (2, 2)
    counts = candidate_counts(5, 666)
    assert counts[:96] == list(range(5, 101)) and counts[-1] == 666
    assert all(b > a for a, b in zip(counts, counts[1:]))


def test_tree_on_duplicated_points_does_not_reward_tiny_topics():
    # Three near-identical copies of every point (a parallel corpus) must not pull the count up.
    X, _ = _blobs(8, per=20, spread=1.0)
    rng = np.random.default_rng(0)
    X3 = np.vstack([X + rng.normal(scale=1e-3, size=X.shape) for _ in range(3)])
    k1 = TreeClusterer(random_state=0).fit(X).n_clusters_
    k3 = TreeClusterer(random_state=0).fit(X3).n_clusters_
    assert k1 == 8 and k3 == 8


def test_from_config_and_describe_record_the_criterion():
    from toolkit.topics.clustering import CLUSTERERS

    assert CLUSTERERS["hierarchy"] is TreeClusterer
    config = config_from_dict({"corpus": {"path": "x.jsonl"}, "seed": 7})
    model = build_clusterer(config, 200)
    assert isinstance(model, TreeClusterer) and model.random_state == 7 and model.max_clusters is None
    X, _ = _blobs(6)
    model.fit(X)
    info = model.describe(config)
    assert info["method"] == "hierarchy" and info["best_count"] == 6
    assert set(map(int, info["scores"])) == set(model.scores_) and info["n_base_clusters"] == model.tree_.n_base


@pytest.mark.parametrize(("params", "message"), [
    ({"n_clusters": 1}, r"^n_clusters: expected an integer >= 2 or 'auto', got 1$"),
    ({"base_size": 0}, r"^base_size: expected an integer >= 1, got 0$"),
    ({"max_clusters": 1}, r"^max_clusters: expected an integer >= 2, got 1 or None$"),
    ({"n_init": 0}, r"^n_init: expected an integer >= 1, got 0$"),
])
def test_bad_parameters_name_themselves(params, message):
    X, _ = _blobs(4)
    with pytest.raises(ParameterError, match=message):
        TreeClusterer(**params).fit(X)


def _base_inertia(X, tree):
    return sum(float(((X[tree.base_labels == c] - tree.centroids[c]) ** 2).sum()) for c in range(tree.n_base))


def test_the_base_k_means_keeps_its_best_start_and_reads_clustering_n_init():
    X, _ = _blobs(12, per=20, seed=4, spread=1.5)  # overlapping blobs: starts end in different optima
    kwargs = dict(base_size=5, min_clusters=2, max_clusters=None, min_size=10, sample=20000)
    for seed in (3, 4, 5):
        one = _base_inertia(X, build_tree(X, **kwargs, random_state=seed, n_init=1))
        ten = _base_inertia(X, build_tree(X, **kwargs, random_state=seed, n_init=10))
        assert ten < one  # the first of the ten starts is the single start; a better one is kept
    config = config_from_dict({"corpus": {"path": "x.jsonl"}, "clustering": {"n_init": 3}})
    assert build_clusterer(config, 200).n_init == 3
    assert build_clusterer(config_from_dict({"corpus": {"path": "x.jsonl"}}), 200).n_init == 10


def test_config_rejects_a_bad_tree_key():
    with pytest.raises(ConfigError, match=r"clustering.base_size"):
        config_from_dict({"corpus": {"path": "x"}, "clustering": {"base_size": 0}})


def test_too_few_units_for_two_topics_make_one():
    X, _ = _blobs(2, per=6)
    model = TreeClusterer(min_size=15, random_state=0).fit(X)
    assert model.n_clusters_ == 1 and set(model.labels_) == {0}
    assert TreeClusterer(min_size=5, random_state=0).fit(X).n_clusters_ == 2
    assert TreeClusterer(n_clusters=2, min_size=15, random_state=0).fit(X).n_clusters_ == 2
