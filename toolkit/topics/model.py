"""Build and fit BERTopic on precomputed, pre-reduced embeddings.

We reduce with UMAP ourselves (so reductions can be cached and shared across a sweep) and hand
BERTopic the (aligned) embeddings with a :class:`PrecomputedReduction` that returns our UMAP
rows for them, our clusterer (:mod:`toolkit.topics.clustering`), and segments already tokenised
per language (see :mod:`toolkit.topics.vectorizer`), so its c-TF-IDF sees real words in every
language. BERTopic's topic embeddings are therefore centroids in the full embedding space,
which is what topic merging, outlier reassignment and zero-shot themes compare against. Our
embedder is wrapped as BERTopic's backend, so BERTopic never fetches a model of its own.

Order in :func:`fit_topics`: BERTopic (zero-shot themes first when ``themes.mode: guided``),
then topic merging (``topics.nr_topics``), then outlier reassignment (``topics.outliers``),
then named themes, and last the per-language keywords, labels, representatives and topic
similarity, all computed from the final topics.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from toolkit.arrays import as_matrix
from toolkit.embedding.base import Embedder
from toolkit.errors import ConfigError, ParameterError, TopicModelError
from toolkit.topics.labels import renumber_by_size
from toolkit.topics.result import TopicResult

__all__ = ["tokenizer_for", "fit_topics", "describe_topics", "candidate_count", "TopicDescription", "topic_similarity",
           "EmbedderBackend", "PrecomputedReduction", "renumber_by_size"]

log = logging.getLogger(__name__)

#: Config key of each parameter the topic description takes from ``config.topics``.
_TOPICS_KEYS = {
    "top_n": "topics.top_n_words",
    "n": "topics.n_representatives",
    "method": "topics.representation",
    "diversity": "topics.mmr_diversity",
    "extra_stopwords": "topics.stopwords",
}

#: Config key of each parameter topic merging and outlier reassignment take from ``config.topics``.
_MERGE_KEYS = {"nr_topics": "topics.nr_topics", "strategy": "topics.outliers", "threshold": "topics.outlier_threshold"}

#: Config key of each parameter the named themes take from ``config.themes``.
_THEMES_KEYS = {"names": "themes.names"}


@contextlib.contextmanager
def _config_keys(keys: Mapping[str, str]) -> Iterator[None]:
    """A :class:`ParameterError` on a parameter in ``keys`` becomes the ConfigError naming its key."""
    try:
        yield
    except ParameterError as exc:
        key = keys.get(exc.param)
        if key is None:
            raise
        raise exc.for_key(key) from exc


def _backend_base():
    from bertopic.backend import BaseEmbedder

    return BaseEmbedder


class EmbedderBackend:
    """Adapter that lets BERTopic call a toolkit :class:`Embedder`.

    ``transform`` (optional) maps the embedded rows into the corpus space, e.g. the fitted
    language alignment, so theme names compare with aligned segment embeddings.
    """

    def __new__(cls, embedder: Embedder, transform: Callable[[np.ndarray], np.ndarray] | None = None):
        base = _backend_base()

        class _Backend(base):  # type: ignore[misc, valid-type]
            def __init__(self, inner: Embedder) -> None:
                super().__init__()
                self.inner = inner

            def embed(self, documents, verbose: bool = False) -> np.ndarray:  # noqa: ARG002
                vectors = np.asarray(self.inner.embed(list(documents)), dtype=np.float32)
                return vectors if transform is None else np.asarray(transform(vectors), dtype=np.float32)

        return _Backend(embedder)


class PrecomputedReduction:
    """BERTopic dimensionality-reduction slot that returns reductions computed beforehand.

    Parameters
    ----------
    embeddings : ndarray of shape (n, dim)
        The rows BERTopic will be given.
    reduced : ndarray of shape (n, k)
        Their reduction, row for row.

    ``transform`` looks every row up by its exact bytes, so it also serves subsets of the
    rows (BERTopic's zero-shot step reduces only the units no theme claimed). A row that was
    never given raises :class:`TopicModelError`.
    """

    def __init__(self, embeddings: np.ndarray, reduced: np.ndarray) -> None:
        self.embeddings = embeddings
        self.reduced = reduced

    def _index(self) -> dict[bytes, int]:
        if not hasattr(self, "index_"):
            rows = np.ascontiguousarray(self.embeddings, dtype=np.float32)
            self.index_: dict[bytes, int] = {}
            for i in range(rows.shape[0]):
                self.index_.setdefault(rows[i].tobytes(), i)
        return self.index_

    def fit(self, X: np.ndarray = None, y: np.ndarray = None) -> "PrecomputedReduction":  # noqa: ARG002
        self._index()
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        index = self._index()
        rows = np.ascontiguousarray(X, dtype=np.float32)
        try:
            idx = [index[rows[i].tobytes()] for i in range(rows.shape[0])]
        except KeyError:
            raise TopicModelError("PrecomputedReduction: asked to reduce an embedding it was not "
                                  "given; pass the same matrix to BERTopic and to this reducer") from None
        return np.asarray(self.reduced)[idx]


def topic_similarity(embeddings: np.ndarray, topics: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Cosine similarity of the centroid embeddings of non-outlier topics."""
    ids = sorted(int(t) for t in np.unique(topics) if t != -1)
    if not ids:
        return [], np.zeros((0, 0), dtype=np.float32)
    centroids = np.vstack([embeddings[topics == t].mean(axis=0) for t in ids])
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    centroids = centroids / np.where(norms > 0, norms, 1.0)
    return ids, np.clip(centroids @ centroids.T, -1.0, 1.0).astype(np.float32)


def fit_topics(embeddings: np.ndarray, reduced: np.ndarray, texts: Sequence[str],
               langs: Sequence[str], config, embedder: Embedder | None = None,
               name_transform: Callable[[np.ndarray], np.ndarray] | None = None) -> TopicResult:
    """Cluster segments into topics and describe each topic in every language.

    Parameters
    ----------
    embeddings : ndarray
        ``(n, dim)`` segment embeddings (after any alignment).
    reduced : ndarray
        ``(n, k)`` UMAP reduction of ``embeddings`` used for clustering.
    texts, langs : sequences of str
        Segment texts and ISO 639-1 languages.
    config : ExperimentConfig
    embedder : Embedder, optional
        Needed for the ``keybert`` and ``mmr`` representations and for named themes.
    name_transform : callable, optional
        Maps embedded theme names into the space of ``embeddings`` (the fitted alignment's
        ``transform``); identity when omitted.

    Returns
    -------
    TopicResult
        ``details`` records the clustering, merging, outlier and theme choices and outcomes.

    Raises
    ------
    TopicModelError
        On mismatched inputs, no words left after tokenisation, or a failing BERTopic step.
    ConfigError
        When named themes are configured but no embedder is given, or a setting is rejected
        by the step it configures (naming its key, e.g. ``clustering.n_init``).
    """
    from bertopic import BERTopic

    from toolkit.topics.clustering import build_clusterer
    from toolkit.topics.keywords import topic_keywords
    from toolkit.topics.outliers import merge_topics, reassign_outliers
    from toolkit.topics.vectorizer import whitespace_vectorizer

    embeddings = as_matrix(embeddings, None, "embeddings")
    reduced = as_matrix(reduced, None, "reduced")
    if isinstance(texts, str) or isinstance(langs, str):
        raise ParameterError("texts" if isinstance(texts, str) else "langs", "got one string; pass one per unit")
    n = len(texts)
    if not (embeddings.shape[0] == reduced.shape[0] == n == len(langs)):
        raise TopicModelError(f"mismatched inputs: {embeddings.shape[0]} embeddings, "
                              f"{reduced.shape[0]} reduced rows, {n} texts, {len(langs)} languages")
    tcfg = config.topics
    themes_cfg = config.themes
    names = list(themes_cfg.all_names)
    if names and embedder is None:
        raise ConfigError("themes.names is set but no embedder was given to embed the theme names; "
                          "pass embedder= (run_experiment does) or remove themes.names")
    with _config_keys(_TOPICS_KEYS):
        tokenizer = tokenizer_for(tcfg)
    tokens = tokenizer.tokenize_many(list(texts), list(langs))
    docs = [" ".join(t) for t in tokens]
    if not any(docs):
        raise TopicModelError("no words left to describe topics after tokenisation and stopword "
                              "removal; check the corpus language and topics.stopwords")
    embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
    backend = EmbedderBackend(embedder, transform=name_transform) if embedder is not None else None
    guided = bool(names) and themes_cfg.mode == "guided"
    clusterer = build_clusterer(config, n)
    model = BERTopic(
        embedding_model=backend,
        umap_model=PrecomputedReduction(embeddings, reduced),
        hdbscan_model=clusterer,
        vectorizer_model=whitespace_vectorizer(),
        top_n_words=tcfg.top_n_words,
        calculate_probabilities=False,
        zeroshot_topic_list=names if guided else None,
        zeroshot_min_similarity=themes_cfg.threshold,
        verbose=False,
    )
    try:
        with _config_keys(clusterer.config_keys):
            model.fit(docs, embeddings=embeddings)
    except ValueError as exc:
        raise TopicModelError(f"topic fitting failed: {exc}") from exc
    details: dict[str, Any] = {"representation": tcfg.representation, "clustering": clusterer.describe(config)}
    with _config_keys(_MERGE_KEYS):
        topics, details["merge"] = merge_topics(model, docs, tcfg.nr_topics)
        topics, details["outliers"] = reassign_outliers(model, docs, topics, tcfg.outliers, tcfg.outlier_threshold,
                                                        embeddings=embeddings, reduced=reduced)
    topics = renumber_by_size(topics)
    _record_tree(clusterer, topics, details)
    themes: dict[int, str | None] = {t: None for t in sorted(set(topics.tolist()))}
    if names:
        with _config_keys(_THEMES_KEYS):
            themes, details["themes"] = _named_themes(embeddings, topics, names, themes_cfg, embedder,
                                                      name_transform)

    candidates = topic_keywords(tokens, topics, list(langs), top_n=candidate_count(tcfg))
    described = describe_topics(embeddings, topics, langs, candidates, tcfg, embedder=embedder,
                                label_language=config.report.label_language)
    details["spread_words"] = described.dropped_words
    details["n_topics"] = described.n_topics
    details["outlier_share"] = described.outlier_share
    return TopicResult(
        topics=topics, labels=described.labels, keywords=described.keywords,
        keywords_by_lang=described.keywords_by_lang, representatives=described.representatives, themes=themes,
        similarity_topics=described.similarity_topics, similarity=described.similarity, tokens=tokens,
        details=details, model=model,
    )


def _record_tree(clusterer: Any, topics: np.ndarray, details: dict[str, Any]) -> None:
    """The topic tree, with the final topic of each base cluster, in ``details["clustering"]["tree"]``
    (when the tree clustered every unit): coarser levels are then merges of the final topics."""
    tree = getattr(clusterer, "tree_", None)
    if tree is None or tree.base_labels.shape[0] != topics.shape[0]:
        return
    from toolkit.topics.tree import base_topics, tree_record

    details["clustering"]["tree"] = tree_record(tree, base_topics(tree.base_labels, topics, tree.n_base))


def candidate_count(topics_config: Any) -> int:
    """Candidate keywords counted per topic before re-ranking and the cut to ``top_n_words``."""
    return max(topics_config.top_n_words * 3, 30)


@dataclass
class TopicDescription:
    """What :func:`describe_topics` gives: the :class:`TopicResult` fields that describe topics."""

    keywords: dict[int, list[tuple[str, float]]]
    keywords_by_lang: dict[int, dict[str, list[tuple[str, float]]]]
    labels: dict[int, str]
    representatives: dict[int, dict[str, list[int]]]
    similarity_topics: list[int]
    similarity: np.ndarray
    n_topics: int
    outlier_share: float
    dropped_words: dict[str, list[str]] | None = None


def describe_topics(embeddings: np.ndarray, topics: np.ndarray, langs: Sequence[str],
                    candidates: tuple[dict[int, Any], dict[int, dict[str, Any]]], topics_config: Any,
                    embedder: Embedder | None = None, label_language: str | None = None) -> TopicDescription:
    """Keywords, labels, representatives and similarity of final topics, from candidate keywords.

    Parameters
    ----------
    embeddings : ndarray of shape (n, dim)
        The (aligned) embeddings of the units.
    topics : ndarray of int, shape (n,)
        Final topic per unit, ``-1`` for outliers.
    langs : sequence of str
        Language per unit.
    candidates : (dict, dict)
        Candidate keywords overall and per language, best first, as
        :func:`~toolkit.topics.keywords.topic_keywords` or
        :func:`~toolkit.topics.keywords.keywords_from_counts` give them
        (:func:`candidate_count` per topic).
    topics_config : TopicsConfig
        ``representation`` (``keybert`` and ``mmr`` re-rank the candidates by embedding,
        with ``embedder``), ``top_n_words``, ``mmr_diversity``, ``n_representatives``.
    embedder : Embedder, optional
        Without one, candidates keep their c-TF-IDF order.
    label_language : str, optional
        Labels in this language for the topics that have keywords in it (``report.label_language``).

    Words in the top keywords of ``topics.max_word_spread`` or more of a language's topics are
    dropped, and labels are balanced over each topic's languages
    (:mod:`toolkit.topics.label_words`); ``dropped_words`` lists the dropped words.

    Raises
    ------
    ConfigError
        When a setting is rejected (naming its ``topics.*`` key).
    """
    from toolkit.topics.keywords import representative_indices, topic_label
    from toolkit.topics.label_words import balanced_label_words, drop_spread_words, label_shares

    tcfg = topics_config
    keywords, by_lang = candidates
    with _config_keys(_TOPICS_KEYS):
        if tcfg.representation in {"keybert", "mmr"} and embedder is not None:
            keywords = _rerank(keywords, embeddings, topics, embedder, tcfg)
            by_lang = {t: _rerank(per_lang, embeddings, topics, embedder, tcfg, topic=t)
                       for t, per_lang in by_lang.items()}
        keywords, by_lang, dropped = drop_spread_words(keywords, by_lang, tcfg.top_n_words, tcfg.max_word_spread)
        keywords = {t: words[:tcfg.top_n_words] for t, words in keywords.items()}
        by_lang = {t: {lang: w[:tcfg.top_n_words] for lang, w in per.items()} for t, per in by_lang.items()}
        units = label_shares(topics, list(langs))
        labels = {t: topic_label(t, balanced_label_words(by_lang.get(t, {}), units.get(t, {}),
                                                         label_language=label_language)
                                 or [w for w, _ in keywords.get(t, [])])
                  for t in sorted(set(topics.tolist()))}
        reps = representative_indices(embeddings, topics, list(langs), n=tcfg.n_representatives)
    sim_ids, sim = topic_similarity(embeddings, topics)
    return TopicDescription(
        keywords=keywords, keywords_by_lang=by_lang, labels=labels, representatives=reps,
        similarity_topics=sim_ids, similarity=sim, n_topics=int(np.sum(np.unique(topics) != -1)),
        outlier_share=round(float(np.mean(topics == -1)), 4), dropped_words=dropped,
    )


def tokenizer_for(topics_config: Any) -> Any:
    """The :class:`~toolkit.topics.vectorizer.MultilingualTokenizer` of ``topics.lemmatize`` and
    ``topics.stopwords``, one per setting for the whole process: its word cache (lemmas,
    stopword checks) then carries over between the runs of a sweep, which share their texts,
    and to describing curated or applied topics."""
    return _shared_tokenizer(bool(topics_config.lemmatize), tuple(topics_config.stopwords))


@functools.lru_cache(maxsize=4)
def _shared_tokenizer(lemmatize: bool, stopwords: tuple[str, ...]) -> Any:
    from toolkit.topics.vectorizer import MultilingualTokenizer

    return MultilingualTokenizer(lemmatize=lemmatize, extra_stopwords=list(stopwords))


def _named_themes(embeddings, topics, names, themes_cfg, embedder, name_transform):
    from toolkit.topics.themes import (
        match_themes,
        theme_summary,
        themes_from_assignment,
        zero_shot_assignment,
    )

    vectors = np.asarray(embedder.embed(list(names)), dtype=np.float32)
    if name_transform is not None:
        vectors = np.asarray(name_transform(vectors), dtype=np.float32)
    matched, sims = match_themes(embeddings, topics, names, vectors, threshold=themes_cfg.threshold)
    info: dict[str, Any] = {"mode": themes_cfg.mode, "names": list(names), "threshold": themes_cfg.threshold}
    if themes_cfg.mode == "guided":
        assignment = zero_shot_assignment(embeddings, vectors, themes_cfg.threshold)
        guided = themes_from_assignment(topics, assignment, names)
        info["zero_shot_units"] = int(np.sum(assignment >= 0))
        # Topics a theme formed keep it; the others are matched by centroid like in match mode.
        themes = {t: guided.get(t) or matched.get(t) for t in matched}
    else:
        themes = matched
    info["similarity"] = {str(t): v for t, v in sims.items()}
    info["per_theme"] = theme_summary(themes, topics)
    return themes, info


def _rerank(words_by_key, embeddings, topics, embedder, tcfg, topic=None):
    from toolkit.topics.keywords import rerank_keywords

    out = {}
    for key, words in words_by_key.items():
        t = key if topic is None else topic
        if t == -1 or not words:
            out[key] = words
            continue
        centre = embeddings[topics == t].mean(axis=0)
        out[key] = rerank_keywords([w for w, _ in words], centre, embedder.embed, method=tcfg.representation,
                                   top_n=tcfg.top_n_words, diversity=tcfg.mmr_diversity)
    return out
