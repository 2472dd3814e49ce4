"""Topic keywords, per language, and the segments that represent a topic.

All functions here work on plain arrays (tokens from
:class:`toolkit.topics.vectorizer.MultilingualTokenizer`, topic ids, language tags, embedding
matrices) so they can be tested without fitting BERTopic.

- :func:`topic_keywords`: c-TF-IDF keywords per topic over the whole corpus, and per topic per
  language with c-TF-IDF computed over that language's segments only, so a Russian word is
  ranked against the other topics' Russian text rather than against German and Chinese.
- :func:`representative_indices`: per topic and language, the segments closest to the topic
  centroid.
- :func:`rerank_keywords`: reorder candidate words by embedding similarity to the topic
  (``"keybert"``) or by maximal marginal relevance (``"mmr"``).
- :func:`topic_label` and :func:`interleave_keywords`: short names like
  ``3_туризм_medizin_医疗_tourism``.

Every ordering is deterministic: ties are broken by the token (or by the segment index).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from toolkit.arrays import as_langs, unit_rows
from toolkit.errors import ParameterError, TopicModelError
from toolkit.topics.vectorizer import whitespace_vectorizer

__all__ = [
    "topic_keywords",
    "keywords_from_counts",
    "representative_indices",
    "rerank_keywords",
    "topic_label",
    "interleave_keywords",
    "RERANK_METHODS",
]

logger = logging.getLogger(__name__)

RERANK_METHODS = ("keybert", "mmr")

Keywords = list[tuple[str, float]]


def _as_topics(topics: np.ndarray | Sequence[int], n: int, what: str) -> np.ndarray:
    arr = np.asarray(topics)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise TopicModelError(
            f"{what}: topics must be a 1-D array with one topic id per segment "
            f"({n} segments), got shape {arr.shape}."
        )
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        try:
            whole = bool(np.all(np.equal(np.mod(arr.astype(np.float64), 1), 0)))
        except (TypeError, ValueError):
            whole = False
        if not whole:
            raise TopicModelError(
                f"{what}: topic ids must be integers (-1 for outliers), got dtype {arr.dtype}."
            )
    return arr.astype(np.int64)


def _check_top_n(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ParameterError(name, f"must be an integer >= 1, got {value!r}.")


def _top_terms(row: sp.csr_matrix, terms: np.ndarray, top_n: int) -> Keywords:
    """The ``top_n`` positive entries of a one-row sparse matrix, best first, ties by term."""
    row = row.tocsr()
    keep = row.data > 0.0
    idx, data = row.indices[keep], row.data[keep]
    if idx.size > top_n:
        # everything tied with the top_n-th weight stays a candidate, so ties break by term
        cut = np.partition(data, idx.size - top_n)[idx.size - top_n]
        wide = data >= cut
        idx, data = idx[wide], data[wide]
    pairs = [(str(terms[j]), float(v)) for j, v in zip(idx, data)]
    pairs.sort(key=lambda p: (-p[1], p[0]))
    return pairs[:top_n]


def _ctfidf(class_docs: list[str], top_n: int) -> list[Keywords]:
    """c-TF-IDF keywords for each class document (space-joined tokens).

    Classes without tokens get no keywords and are left out of the fit: BERTopic's
    transformer truncates the average class length to an integer, so empty classes could
    pull it to zero and zero every weight.
    """
    filled = [i for i, doc in enumerate(class_docs) if doc.strip()]
    result: list[Keywords] = [[] for _ in class_docs]
    if not filled:
        return result
    vectorizer = whitespace_vectorizer()
    counts = vectorizer.fit_transform([class_docs[i] for i in filled])
    terms = vectorizer.get_feature_names_out()
    for i, words in zip(filled, _ctfidf_weights(counts, terms, top_n)):
        result[i] = words
    return result


def _ctfidf_weights(counts: sp.csr_matrix, terms: np.ndarray, top_n: int) -> list[Keywords]:
    """Top c-TF-IDF terms of every row of a (classes x terms) count matrix (no empty rows)."""
    from bertopic.vectorizers import ClassTfidfTransformer

    if counts.shape[1] == 1:
        # one-word vocabulary: the transformer's squeeze breaks on it; every class that has
        # the word weighs it log(avg / df + 1) after l1 normalisation, i.e. that idf alone
        df = float(counts.sum())
        avg = int(counts.sum(axis=1).mean())
        weights = sp.csr_matrix((counts > 0).astype(np.float64) * np.log(avg / df + 1.0))
    else:
        weights = sp.csr_matrix(ClassTfidfTransformer().fit_transform(counts))
    return [_top_terms(weights[row], terms, top_n) for row in range(counts.shape[0])]


def _ctfidf_counters(classes: list[Mapping[str, int]], top_n: int) -> list[Keywords]:
    """:func:`_ctfidf` from per-class term counts instead of class documents (same result)."""
    filled = [i for i, c in enumerate(classes) if any(v > 0 for v in c.values())]
    result: list[Keywords] = [[] for _ in classes]
    if not filled:
        return result
    terms = np.asarray(sorted({w for i in filled for w, v in classes[i].items() if v > 0}), dtype=object)
    column = {w: j for j, w in enumerate(terms)}
    rows, cols, vals = [], [], []
    for r, i in enumerate(filled):
        for w, v in classes[i].items():
            if v > 0:
                rows.append(r)
                cols.append(column[w])
                vals.append(v)
    counts = sp.csr_matrix((np.asarray(vals, dtype=np.int64), (rows, cols)), shape=(len(filled), len(terms)))
    counts.sort_indices()
    for i, words in zip(filled, _ctfidf_weights(counts, terms, top_n)):
        result[i] = words
    return result


def keywords_from_counts(
    counts: Mapping[tuple[int, str], Mapping[str, int]],
    sizes: Mapping[tuple[int, str], int],
    top_n: int = 10,
) -> tuple[dict[int, Keywords], dict[int, dict[str, Keywords]]]:
    """:func:`topic_keywords` from term counts summed over chunks of the corpus.

    Parameters
    ----------
    counts : mapping of (topic, language) to mapping of term to count
        Token counts of the segments of each topic and language (e.g. added up over chunks).
    sizes : mapping of (topic, language) to int
        Segments per topic and language (a topic with segments but no tokens still counts).
    top_n : int, default=10

    Returns
    -------
    The same two mappings as :func:`topic_keywords` on the whole corpus.
    """
    _check_top_n(top_n, "top_n")
    present = [key for key, n in sizes.items() if n > 0]
    ids = sorted({int(t) for t, _ in present})
    languages = sorted({lang for _, lang in present})
    overall_counts: dict[int, dict[str, int]] = {t: {} for t in ids}
    for (t, _), terms in counts.items():
        target = overall_counts.setdefault(int(t), {})
        for w, v in terms.items():
            target[w] = target.get(w, 0) + int(v)
    overall = dict(zip(ids, _ctfidf_counters([overall_counts[t] for t in ids], top_n)))
    per_language: dict[int, dict[str, Keywords]] = {t: {} for t in ids}
    for lang in languages:
        lang_ids = sorted(int(t) for t, lg in present if lg == lang)
        found = dict(zip(lang_ids, _ctfidf_counters([counts.get((t, lang), {}) for t in lang_ids], top_n)))
        for t in ids:
            per_language[t][lang] = found.get(t, [])
    return overall, per_language


def _class_docs(
    tokens: Sequence[Sequence[str]], topics: np.ndarray, ids: list[int], mask: np.ndarray
) -> list[str]:
    parts: dict[int, list[str]] = {t: [] for t in ids}
    for i in np.flatnonzero(mask):
        if tokens[i]:
            parts[int(topics[i])].append(" ".join(tokens[i]))
    return [" ".join(parts[t]) for t in ids]


def topic_keywords(
    tokens: Sequence[Sequence[str]],
    topics: np.ndarray,
    langs: Sequence[str],
    top_n: int = 10,
) -> tuple[dict[int, Keywords], dict[int, dict[str, Keywords]]]:
    """c-TF-IDF keywords per topic, overall and per language.

    Parameters
    ----------
    tokens : sequence of sequence of str
        Tokens of each segment (tokens must not contain spaces).
    topics : array of int, shape (n_segments,)
        Topic of each segment; ``-1`` (outliers) is treated as a topic of its own.
    langs : sequence of str
        Language of each segment (``None`` or empty counts as ``"und"``).
    top_n : int, default=10
        Keywords kept per topic (and per topic and language).

    Returns
    -------
    overall : dict of int to list of (str, float)
        For every topic present, its keywords with c-TF-IDF weights, best first.
    per_language : dict of int to dict of str to list of (str, float)
        For every topic present and every language in the corpus, keywords computed with
        c-TF-IDF over that language's segments only; an empty list when the topic has no
        tokens in that language.

    Raises
    ------
    TopicModelError
        If the lengths of ``tokens`` and ``topics`` disagree.
    ParameterError
        If ``top_n`` is not a positive integer, or ``langs`` does not have one language per
        segment.
    """
    what = "topic_keywords"
    _check_top_n(top_n, "top_n")
    n = len(tokens)
    topic_arr = _as_topics(topics, n, what)
    lang_arr = as_langs(langs, n)
    for i, toks in enumerate(tokens):
        if isinstance(toks, str):
            raise TopicModelError(
                f"{what}: tokens[{i}] is a string; pass a list of tokens per segment "
                "(MultilingualTokenizer.tokenize_many gives them)."
            )
    ids = sorted({int(t) for t in topic_arr})
    languages = sorted(set(lang_arr.tolist()))

    everything = np.ones(n, dtype=bool)
    overall = dict(zip(ids, _ctfidf(_class_docs(tokens, topic_arr, ids, everything), top_n)))

    per_language: dict[int, dict[str, Keywords]] = {t: {} for t in ids}
    for lang in languages:
        mask = lang_arr == lang
        lang_ids = sorted({int(t) for t in topic_arr[mask]})
        found = dict(zip(lang_ids, _ctfidf(_class_docs(tokens, topic_arr, lang_ids, mask), top_n)))
        for t in ids:
            per_language[t][lang] = found.get(t, [])
    logger.debug("keywords for %d topics in %d languages", len(ids), len(languages))
    return overall, per_language


def representative_indices(
    embeddings: np.ndarray,
    topics: np.ndarray,
    langs: Sequence[str],
    n: int = 3,
) -> dict[int, dict[str, list[int]]]:
    """Per topic and language, the segments closest to the topic centroid.

    The centroid is the mean of the topic's unit-normalised embeddings over all languages, so
    each language's representatives are the segments nearest the shared theme.

    Parameters
    ----------
    embeddings : ndarray, shape (n_segments, dim)
        Segment embeddings.
    topics : array of int, shape (n_segments,)
        Topic of each segment (``-1`` included as its own group).
    langs : sequence of str
        Language of each segment.
    n : int, default=3
        Segments kept per topic and language.

    Returns
    -------
    dict of int to dict of str to list of int
        Row indices into ``embeddings``, most similar first (ties by index); an empty list
        for a language with no segment in the topic.

    Raises
    ------
    TopicModelError
        If the shapes of ``embeddings`` and ``topics`` disagree or the embeddings are not finite.
    ParameterError
        If ``n`` is not a positive integer, or ``langs`` does not have one language per row.
    """
    what = "representative_indices"
    _check_top_n(n, "n")
    emb = np.asarray(embeddings)
    if emb.ndim != 2:
        raise TopicModelError(
            f"{what}: embeddings must be a 2-D matrix (segments x dimensions), "
            f"got shape {emb.shape}."
        )
    topic_arr = _as_topics(topics, emb.shape[0], what)
    lang_arr = as_langs(langs, emb.shape[0])
    languages = sorted(set(lang_arr.tolist()))
    ids = sorted({int(x) for x in topic_arr})
    # Row blocks in float64: a whole-matrix float64 copy and its unit-normalised twin took
    # 8 GB more than the matrix itself at 1M x 512 (measured at 16.8 GB peak).
    sums = np.zeros((len(ids), emb.shape[1]))
    for start, block in _unit_blocks(emb, what):
        for k, t in enumerate(ids):
            sums[k] += block[topic_arr[start:start + len(block)] == t].sum(axis=0)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    centroids = np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)
    own = np.searchsorted(ids, topic_arr)  # each segment's row in ``centroids`` (ids are sorted)
    sims = np.empty(emb.shape[0])
    for start, block in _unit_blocks(emb, what):
        stop = start + len(block)
        sims[start:stop] = np.einsum("ij,ij->i", block, centroids[own[start:stop]])

    result: dict[int, dict[str, list[int]]] = {}
    for t in ids:
        members = topic_arr == t
        result[t] = {}
        for lang in languages:
            idx = np.flatnonzero(members & (lang_arr == lang))
            order = np.lexsort((idx, -sims[idx]))
            result[t][lang] = [int(i) for i in idx[order][:n]]
    return result


#: Rows per block when a function walks a large embedding matrix in float64.
BLOCK_ROWS = 16_384


def _unit_blocks(matrix: np.ndarray, what: str):
    """``(start, rows)`` blocks of ``matrix`` as unit-normalised float64 (zero rows stay zero)."""
    for start in range(0, matrix.shape[0], BLOCK_ROWS):
        block = np.asarray(matrix[start:start + BLOCK_ROWS], dtype=np.float64)
        if not np.all(np.isfinite(block)):
            raise TopicModelError(f"{what}: embeddings contain NaN or infinite values.")
        yield start, unit_rows(block)


def rerank_keywords(
    candidates: list[str],
    topic_vector: np.ndarray,
    embed: Callable[[list[str]], np.ndarray],
    *,
    method: str,
    top_n: int = 10,
    diversity: float = 0.3,
) -> Keywords:
    """Reorder candidate keywords by their embedding similarity to a topic.

    Parameters
    ----------
    candidates : list of str
        Candidate words (for example c-TF-IDF keywords); duplicates are ignored.
    topic_vector : ndarray, shape (dim,)
        The topic's embedding (for example the centroid of its segments).
    embed : callable
        Maps a list of strings to an array of shape ``(len(list), dim)``.
    method : {"keybert", "mmr"}
        ``"keybert"`` orders by cosine similarity to the topic; ``"mmr"`` applies maximal
        marginal relevance, trading similarity for diversity among the chosen words.
    top_n : int, default=10
        Words returned.
    diversity : float, default=0.3
        For ``"mmr"``, between 0 (pure relevance) and 1 (pure diversity).

    Returns
    -------
    list of (str, float)
        Chosen words in order of selection, each with its cosine similarity to the topic.

    Raises
    ------
    ParameterError
        If ``method``, ``top_n`` or ``diversity`` is invalid.
    TopicModelError
        If the embedding shapes do not match.
    """
    what = "rerank_keywords"
    if method not in RERANK_METHODS:
        raise ParameterError("method", f"must be one of {', '.join(RERANK_METHODS)}, got {method!r}.")
    _check_top_n(top_n, "top_n")
    if isinstance(diversity, bool) or not isinstance(diversity, (int, float)) or not (
        0.0 <= diversity <= 1.0
    ):
        raise ParameterError("diversity", f"must be a number in [0, 1], got {diversity!r}.")
    words = list(dict.fromkeys(candidates))
    if not words:
        return []
    vec = np.asarray(topic_vector, dtype=np.float64).ravel()
    vectors = np.asarray(embed(words), dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape != (len(words), vec.shape[0]):
        raise TopicModelError(
            f"{what}: embed returned shape {vectors.shape} for {len(words)} words, expected "
            f"({len(words)}, {vec.shape[0]}) to match the topic vector."
        )
    unit = unit_rows(vectors)
    norm = np.linalg.norm(vec)
    relevance = unit @ (vec / norm if norm > 0 else vec)

    if method == "keybert":
        order = sorted(range(len(words)), key=lambda i: (-relevance[i], words[i]))
        return [(words[i], float(relevance[i])) for i in order[:top_n]]

    pairwise = unit @ unit.T
    chosen: list[int] = []
    remaining = list(range(len(words)))
    while remaining and len(chosen) < top_n:
        if chosen:
            redundancy = pairwise[np.ix_(remaining, chosen)].max(axis=1)
        else:
            redundancy = np.zeros(len(remaining))
        scores = (1.0 - diversity) * relevance[remaining] - diversity * redundancy
        best = min(range(len(remaining)), key=lambda k: (-scores[k], words[remaining[k]]))
        chosen.append(remaining.pop(best))
    return [(words[i], float(relevance[i])) for i in chosen]


def interleave_keywords(
    per_language: Mapping[str, Sequence[tuple[str, float]] | Sequence[str]],
    n_words: int = 4,
    languages: Sequence[str] | None = None,
) -> list[str]:
    """Take keywords from each language in turn (best first), without repeats.

    Parameters
    ----------
    per_language : mapping of str to list
        Keywords of one topic per language, as ``(word, weight)`` pairs or plain words.
    n_words : int, default=4
        Words returned.
    languages : sequence of str, optional
        Order in which languages take turns; defaults to sorted language codes.

    Returns
    -------
    list of str
        Up to ``n_words`` words, e.g. ``["туризм", "medizin", "医疗", "tourism"]``.
    """
    order = list(languages) if languages is not None else sorted(per_language)
    queues = [
        [w[0] if isinstance(w, (tuple, list)) else w for w in per_language.get(lang, [])]
        for lang in order
    ]
    out: list[str] = []
    depth = 0
    while len(out) < n_words and any(depth < len(q) for q in queues):
        for queue in queues:
            if depth < len(queue) and queue[depth] not in out:
                out.append(queue[depth])
                if len(out) == n_words:
                    break
        depth += 1
    return out


def topic_label(topic: int, keywords: list[str], n_words: int = 4) -> str:
    """A short topic name: the id and its first keywords joined by underscores.

    Parameters
    ----------
    topic : int
        Topic id; ``-1`` is the outlier group.
    keywords : list of str
        Keywords, best first (repeats are skipped).
    n_words : int, default=4
        Keywords used.

    Returns
    -------
    str
        For example ``"3_туризм_medizin_医疗_tourism"``; ``"-1_outliers"`` for outliers and
        just ``"3"`` when there are no keywords.
    """
    if int(topic) == -1:
        return "-1_outliers"
    words = [str(w).strip().replace(" ", "-").replace("_", "-") for w in keywords]
    words = list(dict.fromkeys(w for w in words if w))[: max(int(n_words), 0)]
    return "_".join([str(int(topic)), *words])
