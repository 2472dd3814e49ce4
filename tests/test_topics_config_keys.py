"""A setting a topics step rejects is reported by its config key when a config built the call.

The estimators and functions name their own parameters (ParameterError, tested with each
module); fit_topics and describe_topics, which build those calls from an ExperimentConfig,
name the key path instead. Pydantic already rejects such values at load time, so the configs
here are altered after validation (model_copy) to reach the steps.
"""

from __future__ import annotations

import numpy as np
import pytest

from toolkit.config import config_from_dict
from toolkit.errors import ConfigError
from toolkit.topics.model import describe_topics, fit_topics


def _corpus(n: int = 40, seed: int = 0):
    rng = np.random.default_rng(seed)
    words = (["arzt", "klinik", "patient", "behandlung"], ["reise", "hotel", "strand", "urlaub"])
    topic = np.arange(n) % 2
    texts = [" ".join(rng.choice(words[t], size=5)) for t in topic]
    embeddings = (np.eye(8)[topic * 4] * 5 + rng.normal(scale=0.1, size=(n, 8))).astype(np.float32)
    reduced = embeddings[:, [0, 4]].copy()
    return embeddings, reduced, texts, ["de"] * n


def _config(**clustering):
    return config_from_dict({"corpus": {"path": "x.jsonl"}, "clustering": clustering})


def _altered(config, section: str, **values):
    return config.model_copy(update={section: getattr(config, section).model_copy(update=values)})


def test_the_config_path_reaches_fit_topics_unaltered():
    embeddings, reduced, texts, langs = _corpus()
    result = fit_topics(embeddings, reduced, texts, langs, _config(method="kmeans", n_clusters=2, n_init=2))
    assert result.details["clustering"] == {"method": "kmeans", "n_clusters": 2, "n_clusters_fitted": 2}
    assert result.details["n_topics"] == 2


@pytest.mark.parametrize("clustering, message", [
    ({"n_init": 0}, r"^clustering.n_init: expected an integer >= 1, got 0$"),
    ({"n_clusters": "auto", "auto_tolerance": 1.5}, r"^clustering.auto_tolerance: expected a number in \[0, 1\), got 1.5$"),
    ({"min_size": 0, "n_clusters": "auto"}, r"^clustering.min_size: expected an integer >= 1, got 0$"),
])
def test_fit_topics_names_the_clustering_key(clustering, message):
    embeddings, reduced, texts, langs = _corpus()
    config = _altered(_config(method="kmeans", n_clusters=2), "clustering", **clustering)
    with pytest.raises(ConfigError, match=message):
        fit_topics(embeddings, reduced, texts, langs, config)


def test_build_from_config_names_an_unknown_method():
    embeddings, reduced, texts, langs = _corpus()
    config = _altered(_config(), "clustering", method="dbscan")
    with pytest.raises(ConfigError, match=r"^clustering.method: expected one of hierarchy, hdbscan, kmeans, gmm, agglomerative, "
                                          r"got 'dbscan'$"):
        fit_topics(embeddings, reduced, texts, langs, config)


class _WordEmbedder:
    def embed(self, texts):
        return np.stack([np.eye(8)[len(t) % 8] for t in texts]).astype(np.float32)


@pytest.mark.parametrize("topics, message", [
    ({"n_representatives": 0}, r"^topics.n_representatives: must be an integer >= 1, got 0.$"),
    ({"representation": "keybert", "top_n_words": 0}, r"^topics.top_n_words: must be an integer >= 1, got 0.$"),
    ({"representation": "mmr", "mmr_diversity": 2.0}, r"^topics.mmr_diversity: must be a number in \[0, 1\], got 2.0.$"),
])
def test_describe_topics_names_the_topics_key(topics, message):
    embeddings, _, _, langs = _corpus(n=4)
    candidates = ({0: [("arzt", 1.0)], 1: [("reise", 1.0)]}, {0: {"de": [("arzt", 1.0)]}, 1: {"de": [("reise", 1.0)]}})
    config = _altered(_config(), "topics", **topics).topics
    with pytest.raises(ConfigError, match=message):
        describe_topics(embeddings, np.array([0, 1, 0, 1]), langs, candidates, config, embedder=_WordEmbedder())


def test_fit_topics_names_the_themes_and_stopwords_keys():
    embeddings, reduced, texts, langs = _corpus()
    config = config_from_dict({"corpus": {"path": "x.jsonl"}, "clustering": {"method": "kmeans", "n_clusters": 2},
                               "themes": {"names": ["health", "travel"]}})
    result = fit_topics(embeddings, reduced, texts, langs, config, embedder=_WordEmbedder())
    assert result.details["themes"]["names"] == ["health", "travel"]
    with pytest.raises(ConfigError, match=r"^themes.names: lists 'health' more than once$"):
        fit_topics(embeddings, reduced, texts, langs, _altered(config, "themes", names=["health", "health"]),
                   embedder=_WordEmbedder())
    with pytest.raises(ConfigError, match=r"^topics.stopwords: must be a list of strings, got \(3,\).$"):
        fit_topics(embeddings, reduced, texts, langs, _altered(config, "topics", stopwords=[3]),
                   embedder=_WordEmbedder())


@pytest.mark.parametrize("topics, message", [
    ({"nr_topics": 1}, r"^topics.nr_topics: expected null, an integer >= 2 or 'auto', got 1$"),
    ({"outliers": "nearest"}, r"^topics.outliers: expected one of none, embeddings, c-tf-idf, distributions, "
                              r"reduced, got 'nearest'$"),
])
def test_fit_topics_names_the_merge_and_outlier_keys(topics, message):
    embeddings, reduced, texts, langs = _corpus()
    config = _altered(_config(method="kmeans", n_clusters=2), "topics", **topics)
    with pytest.raises(ConfigError, match=message):
        fit_topics(embeddings, reduced, texts, langs, config)
