"""Fit on a sample, assign the rest in fixed chunks (``topics.fit_sample``).

UMAP and the clusterers do not distribute, and at millions of segments they do not fit in
time or memory. With ``topics.fit_sample`` set:

1. :func:`sample_indices` draws a seeded sample, stratified by language, and by month when
   the corpus has dates. Membership hangs on a hash of ``(seed, segment id)``, not on the
   corpus order.
2. UMAP and the topic model are fitted on the sample only (:func:`fit_topics_sampled`).
3. The remaining segments are cut into chunks by :func:`assignment_chunks`: the chunk of a
   segment is a stable hash of its id and text modulo the number of chunks, so the chunks
   never depend on how many workers process them.
4. A :class:`TopicAssigner` (the fitted UMAP, the topic centres in the UMAP space and the
   tokenizer) assigns each chunk: ``UMAP.transform`` with a fixed number of epochs
   (``topics.assign_epochs``; UMAP's default depends on the batch size), then the nearest
   topic centre. When the sample's clustering left outliers (HDBSCAN), a segment farther
   from its nearest centre than 95% of that topic's sample members is an outlier too.
   ``UMAP.transform`` draws its random numbers per call, so a chunk gives the same result
   on any worker, in any order; the chunks run in this process (backend local) or on Ray
   tasks (:mod:`toolkit.distributed.assign`) with identical results.
5. Topic words come from per-(topic, language) term counts of every chunk, added up
   (:func:`term_counts`, :func:`merge_counts`, :func:`toolkit.topics.keywords.keywords_from_counts`),
   so they describe the whole corpus, not only the sample.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ContextManager

import numpy as np

from toolkit.topics.result import TopicResult

__all__ = ["sample_size", "sample_indices", "assignment_chunks", "TopicAssigner", "term_counts",
           "merge_counts", "fit_topics_sampled", "run_chunks_local", "OUTLIER_QUANTILE"]

log = logging.getLogger(__name__)

#: Beyond this quantile of a topic's sample distances to its centre, an assigned segment is an
#: outlier (only when the sample's clustering left outliers).
OUTLIER_QUANTILE = 0.95

Counts = tuple[dict[tuple[int, str], dict[str, int]], dict[tuple[int, str], int]]
ChunkRunner = Callable[["TopicAssigner", list[np.ndarray], np.ndarray, Sequence[str], Sequence[str]],
                       Iterable[tuple[int, np.ndarray, Counts]]]


def _stable_hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


def sample_size(n: int, fit_sample: int | float) -> int:
    """Segments in the sample: a count (capped at ``n``) or ``round(fraction * n)`` (at least 1)."""
    if isinstance(fit_sample, float):
        return max(1, min(n, round(fit_sample * n)))
    return min(n, int(fit_sample))


def sample_indices(ids: Sequence[str], langs: Sequence[str], dates: Sequence[str | None], size: int,
                   seed: int) -> np.ndarray:
    """A seeded sample of ``size`` positions, stratified by language and month.

    Strata are languages, split by ``YYYY-MM`` when any segment has a date. Each stratum gets
    its share of ``size`` (largest remainders, ties by stratum name); within a stratum the
    segments with the smallest ``hash(seed, id)`` are taken.

    Returns
    -------
    numpy.ndarray of int64
        Sorted positions.
    """
    n = len(ids)
    if size >= n:
        return np.arange(n, dtype=np.int64)
    use_dates = any(dates)
    strata: dict[tuple[str, str], list[int]] = {}
    for i in range(n):
        month = (dates[i] or "")[:7] if use_dates else ""
        strata.setdefault((langs[i] or "und", month), []).append(i)
    keys = sorted(strata)
    exact = [size * len(strata[k]) / n for k in keys]
    quota = [math.floor(x) for x in exact]
    for j in sorted(range(len(keys)), key=lambda j: (-(exact[j] - quota[j]), keys[j]))[:size - sum(quota)]:
        quota[j] += 1
    chosen: list[int] = []
    for key, q in zip(keys, quota):
        members = strata[key]
        ranked = sorted(members, key=lambda i: (_stable_hash(f"{seed}\x1f{ids[i]}"), i))
        chosen.extend(ranked[:q])
    return np.asarray(sorted(chosen), dtype=np.int64)


def assignment_chunks(ids: Sequence[str], texts: Sequence[str], positions: np.ndarray,
                      chunk_size: int) -> list[np.ndarray]:
    """Cut ``positions`` into about ``len(positions) / chunk_size`` chunks by stable segment hashes.

    The chunk of a segment is ``hash(id, text) % n_chunks``; positions stay in corpus order
    within a chunk. Empty chunks are dropped.
    """
    positions = np.asarray(positions, dtype=np.int64)
    if positions.size == 0:
        return []
    n_chunks = max(1, math.ceil(positions.size / chunk_size))
    which = np.fromiter((_stable_hash(f"{ids[p]}\x1f{texts[p]}") % n_chunks for p in positions),
                        dtype=np.int64, count=positions.size)
    order = np.argsort(which, kind="stable")
    bounds = np.searchsorted(which[order], np.arange(n_chunks + 1))
    return [positions[order[bounds[k]:bounds[k + 1]]] for k in range(n_chunks) if bounds[k + 1] > bounds[k]]


def term_counts(tokens: Sequence[Sequence[str]], topics: Sequence[int], langs: Sequence[str]) -> Counts:
    """Per (topic, language) term counts and segment counts of some segments."""
    counts: dict[tuple[int, str], dict[str, int]] = {}
    sizes: dict[tuple[int, str], int] = {}
    for toks, t, lang in zip(tokens, topics, langs):
        key = (int(t), lang if isinstance(lang, str) and lang else "und")
        sizes[key] = sizes.get(key, 0) + 1
        bucket = counts.setdefault(key, {})
        for w in toks:
            bucket[w] = bucket.get(w, 0) + 1
    return counts, sizes


def merge_counts(into: Counts, more: Counts) -> None:
    """Add the :func:`term_counts` ``more`` into ``into``, in place."""
    counts, sizes = into
    for key, terms in more[0].items():
        bucket = counts.setdefault(key, {})
        for w, v in terms.items():
            bucket[w] = bucket.get(w, 0) + v
    for key, n in more[1].items():
        sizes[key] = sizes.get(key, 0) + n


class TopicAssigner:
    """The fitted sample model that assigns chunks of segments to topics.

    Parameters
    ----------
    reducer : umap.UMAP
        Fitted on the sample.
    centres : ndarray of shape (k, dims)
        Topic centres (mean UMAP coordinates of each topic's sample members).
    centre_topics : ndarray of shape (k,)
        Topic id of each centre.
    radii : ndarray of shape (k,) or None
        Outlier distance per topic; ``None``: every segment gets its nearest topic.
    lemmatize : bool
    stopwords : list of str
        Tokenizer settings (``topics.lemmatize``, ``topics.stopwords``).
    epochs : int
        ``UMAP.transform`` epochs (``topics.assign_epochs``).
    """

    def __init__(self, reducer: Any, centres: np.ndarray, centre_topics: np.ndarray, radii: np.ndarray | None,
                 lemmatize: bool = True, stopwords: Sequence[str] = (), epochs: int = 30) -> None:
        self.reducer = reducer
        self.centres = centres
        self.centre_topics = centre_topics
        self.radii = radii
        self.lemmatize = lemmatize
        self.stopwords = list(stopwords)
        self.epochs = epochs

    @classmethod
    def from_sample(cls, reducer: Any, reduced: np.ndarray, topics: np.ndarray, topics_config: Any) -> "TopicAssigner":
        """Build from the sample's UMAP coordinates and final topics."""
        from toolkit.topics.outliers import topic_centres

        ids, centres = topic_centres(reduced, topics)
        if not ids:  # every sample unit an outlier: one centre for all of them
            ids, centres = [-1], reduced.mean(axis=0, keepdims=True).astype(np.float64)
        radii = None
        if np.any(topics == -1) and ids != [-1]:
            radii = np.array([np.quantile(np.linalg.norm(reduced[topics == t] - c, axis=1), OUTLIER_QUANTILE)
                              for t, c in zip(ids, centres)])
        return cls(reducer, centres, np.asarray(ids, dtype=np.int64), radii, lemmatize=topics_config.lemmatize,
                   stopwords=topics_config.stopwords, epochs=topics_config.assign_epochs)

    def _tokenizer(self):
        if not hasattr(self, "tokenizer_"):
            from toolkit.topics.vectorizer import MultilingualTokenizer

            self.tokenizer_ = MultilingualTokenizer(lemmatize=self.lemmatize, extra_stopwords=self.stopwords)
        return self.tokenizer_

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("tokenizer_", None)  # rebuilt where it is used
        return state

    def transform(self, embeddings: np.ndarray) -> np.ndarray:
        """UMAP coordinates of new rows, with the fixed number of epochs."""
        from toolkit.topics.transform import transform_fixed

        return transform_fixed(self.reducer, embeddings, self.epochs)

    def assign(self, embeddings: np.ndarray, texts: Sequence[str], langs: Sequence[str]) -> tuple[np.ndarray, Counts]:
        """Topics of one chunk, and its per-(topic, language) term counts."""
        if len(texts) == 0:
            return np.zeros(0, dtype=np.int64), ({}, {})
        reduced = self.transform(embeddings)
        from toolkit.topics.outliers import nearest_centres

        nearest, dist = nearest_centres(reduced, self.centres)
        topics = self.centre_topics[nearest].copy()
        if self.radii is not None:
            topics[dist > self.radii[nearest]] = -1
        tokens = self._tokenizer().tokenize_many(list(texts), list(langs))
        return topics, term_counts(tokens, topics, langs)


def run_chunks_local(assigner: TopicAssigner, chunks: list[np.ndarray], embeddings: np.ndarray,
                     texts: Sequence[str], langs: Sequence[str]) -> Iterator[tuple[int, np.ndarray, Counts]]:
    """Assign the chunks one after the other in this process (``execution.backend: local``)."""
    for k, pos in enumerate(chunks):
        topics, counts = assigner.assign(embeddings[pos], [texts[i] for i in pos], [langs[i] for i in pos])
        yield k, topics, counts


def fit_topics_sampled(embeddings: np.ndarray, corpus: Any, config: Any, *, embedder: Any = None,
                       name_transform: Callable[[np.ndarray], np.ndarray] | None = None,
                       run_chunks: ChunkRunner = run_chunks_local,
                       progress: Callable[[str, int | None], Callable[[int], None]] | None = None,
                       stage: Callable[[str], ContextManager[Any]] | None = None,
                       ) -> tuple[TopicResult, np.ndarray, np.ndarray]:
    """Fit topics on a sample of the corpus and assign the rest (see the module docstring).

    ``run_chunks`` assigns the chunks (:func:`run_chunks_local`, or the Ray runner);
    ``stage(name)`` times the steps ``reduce``, ``topics`` and ``assign`` (a context manager).

    Returns
    -------
    result : TopicResult
        Topics, keywords, representatives and similarity of the whole corpus; ``tokens``
        holds the sample's tokens only; ``details["fit_sample"]`` records the sample.
    sample : ndarray of int
        Positions of the sample in the corpus.
    sample_reduced : ndarray
        The sample's UMAP coordinates.
    """
    from toolkit.topics.keywords import keywords_from_counts
    from toolkit.topics.model import candidate_count, describe_topics, fit_topics
    from toolkit.topics.reduce import fit_reducer

    progress = progress or (lambda name, total: (lambda n: None))
    stage = stage or (lambda name: contextlib.nullcontext())
    tcfg, u = config.topics, config.umap
    ids, texts, langs = corpus.ids, corpus.texts, corpus.langs
    n = len(texts)
    size = sample_size(n, tcfg.fit_sample)
    sample = sample_indices(ids, langs, [s.date for s in corpus.segments], size, config.seed)
    rest = np.setdiff1d(np.arange(n, dtype=np.int64), sample, assume_unique=True)
    with stage("reduce"):
        progress("reduce", None)
        reducer, reduced = fit_reducer(embeddings[sample], n_components=u.n_components,
                                       n_neighbors=u.n_neighbors, min_dist=u.min_dist, metric=u.metric,
                                       seed=config.seed, approximate=True)
    s_texts, s_langs = [texts[i] for i in sample], [langs[i] for i in sample]
    with stage("topics"):
        progress("topics", None)
        result = fit_topics(embeddings[sample], reduced, s_texts, s_langs, config, embedder=embedder,
                            name_transform=name_transform)
    topics = np.full(n, -1, dtype=np.int64)
    topics[sample] = result.topics
    with stage("assign"):
        assigner = TopicAssigner.from_sample(reducer, reduced, result.topics, tcfg)
        chunks = assignment_chunks(ids, texts, rest, tcfg.assign_chunk_size)
        totals = term_counts(result.tokens, result.topics, s_langs)
        advance = progress("assign", int(rest.size))
        for k, chunk_topics, counts in run_chunks(assigner, chunks, embeddings, texts, langs):
            topics[chunks[k]] = chunk_topics
            merge_counts(totals, counts)
            advance(len(chunks[k]))
    with stage("keywords"):
        # Terms counted over the whole corpus (every chunk), not only the sample.
        candidates = keywords_from_counts(totals[0], totals[1], top_n=candidate_count(tcfg))
        described = describe_topics(embeddings, topics, langs, candidates, tcfg, embedder=embedder,
                                    label_language=config.report.label_language)
        result.details["spread_words"] = described.dropped_words
        result.keywords, result.keywords_by_lang = described.keywords, described.keywords_by_lang
        result.labels, result.representatives = described.labels, described.representatives
        result.similarity_topics, result.similarity = described.similarity_topics, described.similarity
        result.themes = {t: result.themes.get(t) for t in sorted(set(topics.tolist()))}
        if "themes" in result.details:
            from toolkit.topics.themes import theme_summary

            result.details["themes"]["per_theme"] = theme_summary(result.themes, topics)
        result.topics = topics
        result.counts = totals
        result.details["n_topics"] = described.n_topics
        result.details["outlier_share"] = described.outlier_share
    result.details["fit_sample"] = {
        "setting": tcfg.fit_sample, "sample": int(sample.size), "assigned": int(rest.size),
        "chunks": len(chunks), "chunk_size": tcfg.assign_chunk_size, "assign_epochs": tcfg.assign_epochs,
        "strata": "language and month" if any(s.date for s in corpus.segments) else "language",
        "sample_sha256": hashlib.sha256(sample.tobytes()).hexdigest(),
        "outliers_by_distance": assigner.radii is not None,
    }
    return result, sample, reduced
