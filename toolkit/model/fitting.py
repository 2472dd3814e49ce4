"""Fitting topics on a prepared corpus: embed (cached), align, reduce (cached), cluster and
describe, map, evaluate. :class:`toolkit.model.TopicBridge` and ``run_experiment`` both fit
through :func:`fit_corpus`.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from toolkit.align import LanguageAligner, align_embeddings
from toolkit.cache import ArrayCache, EmbeddingCache, array_key, cache_root
from toolkit.config import ExperimentConfig
from toolkit.corpus import Corpus
from toolkit.embedding import Embedder
from toolkit.model.manifest import matrix_hash
from toolkit.topics.result import TopicResult

__all__ = ["Progress", "no_progress", "StageTimer", "StageListener", "Fit", "fit_corpus", "embed_corpus",
           "cached_array", "align_corpus", "theme_metrics", "evaluate_fit", "MAP_POINTS"]

log = logging.getLogger(__name__)

#: ``progress(stage, total)`` returns a callable that advances that stage by n units.
Progress = Callable[[str, int | None], Callable[[int], None]]

#: Most segments the 2-D map is fitted on with ``topics.fit_sample`` (the report draws 20,000).
MAP_POINTS = 20_000


def no_progress(stage: str, total: int | None) -> Callable[[int], None]:  # noqa: ARG001
    return lambda n: None


#: ``on_stage(name, started)`` is told when a stage starts (``True``) and ends (``False``).
StageListener = Callable[[str, bool], None]


class StageTimer:
    """Wall time per named stage of a run (``timings``, seconds), told to an optional listener.

    Parameters
    ----------
    listener : callable, optional
        ``listener(name, started)`` at the start and the end of every stage (a benchmark
        measuring memory per stage, a notebook showing progress).
    """

    def __init__(self, listener: StageListener | None = None) -> None:
        self.listener = listener
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the ``with`` block as stage ``name`` (times of a repeated name add up)."""
        if self.listener is not None:
            self.listener(name, True)
        start = time.perf_counter()
        log.info("stage %s ...", name)
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - start, 4)
            if self.listener is not None:
                self.listener(name, False)


def embed_corpus(texts: list[str], embedder: Embedder, config: ExperimentConfig,
                 progress: Progress = no_progress) -> tuple[np.ndarray, dict[str, Any]]:
    """Embed texts through the content-addressed cache (when enabled)."""
    advance = progress("embed", len(texts))
    batch = config.embedding.batch_size
    root = cache_root(config)
    if root is None:
        return embedder.embed(texts, batch_size=batch, progress=advance), {"enabled": False}
    cache = EmbeddingCache(root)
    matrix, stats = cache.get_or_compute(
        embedder.model_key, texts, lambda missing: embedder.embed(missing, batch_size=batch), progress=advance)
    return np.asarray(matrix, dtype=np.float32), {"enabled": True, "dir": str(root), **stats}


def cached_array(config: ExperimentConfig, namespace: str, key_parts: dict[str, Any],
                  compute: Callable[[], np.ndarray], stats: dict[str, Any]) -> np.ndarray:
    """``compute()``, or the array the cache holds under ``namespace`` and ``key_parts``;
    ``stats[namespace]`` says ``hit`` or ``miss``."""
    root = cache_root(config)
    if root is None:
        return compute()
    cache = ArrayCache(root, namespace)
    key = array_key(**key_parts)
    hit = cache.get(key)
    stats[namespace] = "hit" if hit is not None else "miss"
    if hit is not None:
        return np.asarray(hit)
    value = compute()
    cache.put(key, value)
    return value


@dataclass
class Fit:
    """Everything fitting a corpus produced.

    ``embeddings`` are the (aligned) vectors the topics were built from; ``sample`` the
    positions of the ``topics.fit_sample`` sample (``None`` without one); ``cache`` what the
    caches did, for the manifest.
    """

    corpus: Corpus
    embeddings: np.ndarray = field(repr=False)
    aligner: LanguageAligner
    result: TopicResult
    metrics: dict[str, Any]
    cache: dict[str, Any]
    sample: np.ndarray | None = None


def fit_corpus(corpus: Corpus, config: ExperimentConfig, embedder: Embedder, *,
               embeddings: np.ndarray | None = None, progress: Progress = no_progress,
               timer: StageTimer | None = None) -> Fit:
    """Embed, align, fit topics on and evaluate a prepared corpus, as ``config`` says.

    Parameters
    ----------
    corpus : Corpus
        Loaded and segmented (:func:`toolkit.corpus.load_corpus` or ``prepare_corpus``).
    config : ExperimentConfig
    embedder : Embedder
    embeddings : ndarray, optional
        One vector per segment, computed beforehand; the embedder then embeds nothing but
        the theme names.
    progress : callable, optional
        ``progress(stage, total)`` for the long stages.
    timer : StageTimer, optional
        Times the stages ``embed``, ``align``, ``reduce``, ``topics``, ``map``, ``evaluate``.
    """
    timer = timer or StageTimer()
    cache_stats: dict[str, Any] = {}
    with timer.stage("embed"):
        if embeddings is not None:
            cache_stats["embeddings"] = {"enabled": False, "given": True}
        elif config.execution.backend == "ray":
            from toolkit.distributed.embed import embed_corpus_ray

            embeddings, cache_stats["embeddings"] = embed_corpus_ray(corpus.texts, embedder, config, progress)
        else:
            embeddings, cache_stats["embeddings"] = embed_corpus(corpus.texts, embedder, config, progress)
    with timer.stage("align"):
        embeddings, aligner = align_corpus(embeddings, corpus, config)
    if config.topics.fit_sample is not None:
        result, sample = fit_on_sample(embeddings, corpus, config, embedder, aligner, timer, progress)
    else:
        sample = None
        result = fit_on_all(embeddings, corpus, config, embedder, aligner, timer, progress, cache_stats)
    if config.themes.definitions:
        from toolkit.model.themes import fit_unit_themes

        with timer.stage("themes"):
            progress("themes", None)
            fit_unit_themes(result, corpus, config, embeddings, embedder, aligner)
    with timer.stage("evaluate"):
        metrics = evaluate_fit(result, corpus, config, sample, embedder=embedder)
    limit = int(getattr(embedder, "max_chars", 0) or 0)
    long_units = sum(len(t) > limit for t in corpus.texts) if limit else 0
    if isinstance(cache_stats.get("embeddings"), dict):
        cache_stats["embeddings"]["truncated_units"] = long_units
    if long_units:
        metrics.setdefault("warnings", []).append(
            f"{long_units} units are longer than the {limit:,} characters the embedder reads; only their first "
            f"{limit:,} characters were embedded (their whole text is kept everywhere else)")
    return Fit(corpus=corpus, embeddings=embeddings, aligner=aligner, result=result, metrics=metrics,
               cache=cache_stats, sample=sample)


def evaluate_fit(result: TopicResult, corpus: Corpus, config: ExperimentConfig,
                 sample: np.ndarray | None = None, *, embedder: Embedder | None = None) -> dict[str, Any]:
    """Every metric of a fit (see :mod:`toolkit.evaluate`), named-theme figures included.

    With the ``embedder``, units in languages it was not trained on are counted and warned
    about (:func:`toolkit.evaluate.embedder_coverage`).

    With a ``topics.fit_sample`` sample, coherence is measured on the sample's tokens (the
    only ones the result holds). Records the theme accuracy and coverage in
    ``result.details["themes"]`` too.
    """
    from toolkit.evaluate import embedder_coverage, evaluate_run

    words = {t: [w for w, _ in kw] for t, kw in result.keywords.items()}
    coverage = (embedder_coverage(corpus.langs, embedder.languages, embedder.name)
                if embedder is not None else None)
    metrics = evaluate_run(
        result.topics, corpus.langs,
        labels=[s.label for s in corpus.segments],
        groups=[s.group for s in corpus.segments],
        topic_words=words, tokens=result.tokens if sample is None else None,
        top_k=config.topics.top_n_words, coverage=coverage, doc_ids=[s.doc_id for s in corpus.segments])
    if sample is not None:
        sample_coherence(metrics, result, corpus, sample, words, config.topics.top_n_words)
    metrics.update(theme_metrics(result, corpus))
    if corpus.warnings:
        metrics["warnings"] = list(corpus.warnings) + list(metrics.get("warnings") or [])
    if not metrics.get("n_topics"):
        metrics.setdefault("warnings", []).append(
            f"0 topics: every one of the {len(corpus)} units is an outlier. Lower hdbscan.min_cluster_size "
            f"(it is {config.hdbscan.min_cluster_size}) or choose clustering.method: kmeans")
    if "themes" in result.details:
        result.details["themes"]["accuracy"] = metrics["theme_accuracy"]
        result.details["themes"]["coverage"] = metrics["theme_coverage"]
    return metrics


def fit_on_all(embeddings: np.ndarray, corpus: Corpus, config: ExperimentConfig, embedder: Embedder,
                aligner: LanguageAligner, timer: StageTimer, progress: Progress, cache_stats: dict[str, Any]) -> TopicResult:
    """UMAP (cached), topics and the 2-D map on every segment: the default path."""
    from toolkit.topics import fit_topics, reduce_embeddings
    from toolkit.topics.reduce import MAP_EPOCHS, REDUCE_METHOD

    seed = config.seed
    # Reductions are keyed by the exact matrix they reduce (after alignment), not by model and
    # corpus: embeddings computed with another thread count or batch split differ in the last
    # bits, and a reduction cached for those would not be the one this run would compute.
    emb_key: dict[str, Any] = {"matrix": matrix_hash(embeddings)}
    u = config.umap
    with timer.stage("reduce"):
        progress("reduce", None)
        reduced = cached_array(
            config, "umap", {**emb_key, "umap": u.model_dump(), "seed": seed, "method": REDUCE_METHOD},
            lambda: reduce_embeddings(embeddings, n_components=u.n_components, n_neighbors=u.n_neighbors,
                                      min_dist=u.min_dist, metric=u.metric, seed=seed),
            cache_stats)
    with timer.stage("topics"):
        progress("topics", None)
        result = fit_topics(embeddings, reduced, corpus.texts, corpus.langs, config, embedder=embedder,
                            name_transform=aligner.transform)
    if config.output.map:
        with timer.stage("map"):
            progress("map", None)
            result.coords = cached_array(
                config, "map2d", {**emb_key, "n_neighbors": u.n_neighbors, "metric": u.metric, "seed": seed,
                                  "method": REDUCE_METHOD, "n_epochs": MAP_EPOCHS},
                lambda: reduce_embeddings(embeddings, n_components=2, n_neighbors=u.n_neighbors,
                                          min_dist=0.1, metric=u.metric, seed=seed, n_epochs=MAP_EPOCHS),
                cache_stats)
    return result


def fit_on_sample(embeddings: np.ndarray, corpus: Corpus, config: ExperimentConfig, embedder: Embedder,
                   aligner: LanguageAligner, timer: StageTimer, progress: Progress) -> tuple[TopicResult, np.ndarray]:
    """``topics.fit_sample``: fit on a sample, assign the rest in fixed chunks (local or Ray)."""
    from toolkit.topics.reduce import MAP_EPOCHS, reduce_embeddings
    from toolkit.topics.sample import (
        fit_topics_sampled,
        run_chunks_local,
        sample_indices,
    )

    runner = run_chunks_local
    if config.execution.backend == "ray":
        from toolkit.distributed.assign import make_ray_chunk_runner

        runner = make_ray_chunk_runner(config)
    result, sample, _ = fit_topics_sampled(embeddings, corpus, config, embedder=embedder,
                                           name_transform=aligner.transform, run_chunks=runner,
                                           progress=progress, stage=timer.stage)
    if config.output.map:
        with timer.stage("map"):
            # The report draws at most MAP_POINTS points: the map is fitted on that many
            # segments of the sample (the others get no coordinates).
            progress("map", None)
            u = config.umap
            sub = sample[sample_indices([corpus.segments[i].id for i in sample],
                                        [corpus.segments[i].lang or "und" for i in sample],
                                        [corpus.segments[i].date for i in sample],
                                        min(MAP_POINTS, sample.size), config.seed)]
            coords = np.full((len(corpus), 2), np.nan, dtype=np.float32)
            coords[sub] = reduce_embeddings(embeddings[sub], n_components=2, n_neighbors=u.n_neighbors,
                                            min_dist=0.1, metric=u.metric, seed=config.seed,
                                            n_epochs=MAP_EPOCHS)
            result.coords = coords
            result.details["fit_sample"]["map_points"] = int(sub.size)
    return result, sample


def sample_coherence(metrics: dict[str, Any], result: TopicResult, corpus: Corpus, sample: np.ndarray,
                      words: dict[int, list[str]], top_k: int) -> None:
    """NPMI over the fitted sample's tokens (the whole corpus's tokens are never held at once)."""
    from toolkit.evaluate.coherence import coherence_metrics

    langs = corpus.langs
    coh = coherence_metrics(result.topics[sample], [langs[i] for i in sample], words, result.tokens, top_k=top_k)
    coh.pop("warnings", None)
    for topic, figures in coh.pop("per_topic", {}).items():
        metrics["per_topic"].setdefault(str(topic), {}).update(figures)
    metrics.update(coh)
    metrics["coherence_reference"] = "fit_sample"


def align_corpus(embeddings: np.ndarray, corpus: Corpus, config: ExperimentConfig
                 ) -> tuple[np.ndarray, LanguageAligner]:
    """Apply ``config.align`` to the corpus embeddings (see :mod:`toolkit.align`).

    Returns
    -------
    aligned : ndarray, float32
    aligner : LanguageAligner
        Fitted; ``aligner.info_`` goes to the manifest, ``aligner.transform`` maps theme names.

    Raises
    ------
    ConfigError
        Naming the ``align.*`` key of a setting the aligner rejects; ``align.method`` when it
        is ``groups`` and the corpus has no translation groups.
    """
    from toolkit.errors import ParameterError

    a = config.align
    keys = {"method": "align.method", "n_directions": "align.n_directions", "shrinkage": "align.shrinkage",
            "normalize": "align.normalize", "groups": "align.method"}
    try:
        return align_embeddings(embeddings, corpus.langs, method=a.method,
                                groups=[s.group for s in corpus.segments], n_directions=a.n_directions,
                                shrinkage=a.shrinkage, normalize=a.normalize)
    except ParameterError as exc:
        if exc.param not in keys:
            raise
        raise exc.for_key(keys[exc.param]) from exc


def theme_metrics(result: TopicResult, corpus: Corpus) -> dict[str, Any]:
    """Named-theme figures for metrics.json (``None`` without themes or labels).

    ``theme_coverage``: share of units with a theme (their own, :mod:`toolkit.model.themes`).
    ``theme_accuracy``: share of labelled units whose theme equals their gold label (units
    without a theme count as wrong).
    """
    from toolkit.topics.themes import segment_themes, theme_accuracy

    if "themes" not in result.details:
        return {"theme_coverage": None, "theme_accuracy": None}
    if result.unit_themes is not None:
        unit_themes = result.unit_themes.labels
    else:
        unit_themes = segment_themes(result.topics, result.themes)
    return {
        "theme_coverage": sum(t is not None for t in unit_themes) / max(len(unit_themes), 1),
        "theme_accuracy": theme_accuracy(unit_themes, [s.label for s in corpus.segments]),
    }
