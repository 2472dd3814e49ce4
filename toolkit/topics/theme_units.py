"""Named themes as a property of each unit: zero or one theme per unit, from combined evidence.

Evidence for unit ``i`` and theme ``k`` (docs/themes.md has the reasoning and the measurements):

1. **Similarity.** The cosine between the unit's embedding and the theme's centre, standardised
   per theme over the corpus (median and MAD), so a theme whose name happens to sit close to
   everything gains nothing from it. The centre starts as the mean of the embedded name,
   description and examples, and is then refined from the corpus: the mean of the theme's
   keyword units and its surest units (see 3), three times. Short names are weak evidence
   alone; the refined centre is in the corpus's own region of the space.
2. **Topic.** The mean standardised similarity of the unit's topic to the theme: a unit in a
   topic about the theme needs less evidence of its own.
3. **Keywords.** A unit whose words include a keyword of exactly one theme (or more keywords of
   one theme than of any other) is a keyword unit of that theme.

Decision: each unit's candidate theme is its keyword theme, else the theme with the highest
combined evidence (1 + 2). A keyword unit joins its keyword theme (a researcher's word is
decisive; choose keywords that do not also mean something else); any other unit joins only when its evidence clears the theme's **bar**, set by the
Benjamini-Hochberg procedure against an empirical null read off the bulk of the corpus (see
:func:`_bars`): ``alpha`` is the expected share of the units joined by similarity alone that are
not about the theme (a false discovery rate), not a similarity chosen by hand.
A corpus with no text about a theme gives that theme (almost) no units.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from toolkit.arrays import unit_rows
from toolkit.errors import ParameterError

__all__ = ["UnitThemes", "keyword_hits", "language_shifts", "shift_rows", "assign_unit_themes", "score_units", "topic_theme_mix", "topic_themes"]

#: Rounds of centre refinement (each: score, pick the surest units, re-centre). Measured on
#: SIB-200 and the seeds: the assignment stops changing after two or three.
REFINE_ROUNDS = 3

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


@dataclass
class UnitThemes:
    """The themes of a corpus's units and what a new unit is scored against.

    Attributes
    ----------
    names : list of str
        Theme names, in config order; ``theme`` indexes them.
    theme : ndarray of int, shape (n,)
        Theme index per unit, ``-1`` for no theme.
    scores : ndarray of shape (n, n_themes)
        Combined evidence (standardised similarity plus topic term).
    source : list of str
        Per unit: ``keyword``, ``embedding`` or ``""`` (no theme).
    hits : ndarray of int, shape (n, n_themes)
        Keyword matches per unit and theme.
    bars : ndarray of shape (n_themes,)
        Evidence a unit without a keyword must exceed to join each theme.
    floors : ndarray of shape (n_themes,)
        The median evidence of the corpus for each theme (what :attr:`strength` is measured from).
    centres : ndarray of shape (n_themes, dim)
        Refined theme centres (unit length).
    center, scale : ndarray of shape (n_themes,)
        Median and MAD of the similarity to each centre over the corpus.
    topic_terms : dict
        Topic id -> the topic term per theme, for scoring new units.
    alpha : float
    """

    names: list[str]
    theme: np.ndarray
    scores: np.ndarray
    source: list[str]
    hits: np.ndarray
    bars: np.ndarray
    floors: np.ndarray
    centres: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    topic_terms: dict[int, np.ndarray] = field(default_factory=dict)
    alpha: float = 0.05
    shifts: dict[str, np.ndarray] = field(default_factory=dict)

    def unit_theme(self, i: int) -> str | None:
        k = int(self.theme[i])
        return None if k < 0 else self.names[k]

    @property
    def labels(self) -> list[str | None]:
        """Theme name per unit (``None``: no theme)."""
        return [None if k < 0 else self.names[k] for k in self.theme.tolist()]

    @property
    def strength(self) -> np.ndarray:
        """Per unit: evidence for its theme minus the median evidence for that theme of the units
        about other themes (``nan`` without a theme), in units of the corpus's spread."""
        out = np.full(self.theme.shape[0], np.nan)
        has = self.theme >= 0
        k = self.theme[has]
        out[has] = self.scores[has, k] - self.floors[k]
        return out

    def state(self) -> dict[str, Any]:
        """What scoring new units needs (arrays and small lists), for saving with a model."""
        return {"names": list(self.names), "alpha": self.alpha, "bars": self.bars, "floors": self.floors,
                "centres": self.centres, "center": self.center, "scale": self.scale,
                "topic_terms": {int(t): v for t, v in self.topic_terms.items()},
                "shifts": dict(self.shifts)}


def _check(names: Sequence[str], prototypes: np.ndarray, embeddings: np.ndarray, topics: np.ndarray,
           hits: np.ndarray | None) -> None:
    if not names:
        raise ParameterError("names", "is empty: give at least one theme")
    if prototypes.ndim != 2 or prototypes.shape[0] != len(names):
        raise ParameterError("prototypes", f"need one vector per theme ({len(names)}), got shape {prototypes.shape}")
    if embeddings.ndim != 2 or embeddings.shape[1] != prototypes.shape[1]:
        raise ParameterError("prototypes", f"theme vectors have {prototypes.shape[1]} dimensions, the units "
                                           f"{embeddings.shape[-1]}; embed them with the run's embedder")
    if topics.shape[0] != embeddings.shape[0]:
        raise ParameterError("topics", f"{topics.shape[0]} topic ids for {embeddings.shape[0]} units")
    if hits is not None and hits.shape != (embeddings.shape[0], len(names)):
        raise ParameterError("hits", f"expected shape {(embeddings.shape[0], len(names))}, got {hits.shape}")


def keyword_hits(tokens: Sequence[Sequence[str]], texts: Sequence[str], langs: Sequence[str | None],
                 keywords: Sequence[Sequence[str]], tokenizer: Any) -> tuple[np.ndarray, list[str]]:
    """Keyword matches per unit and theme, and the keywords that can never match.

    A keyword is tokenised with the unit's own language (the tokenizer that made ``tokens``, so
    ``туризма`` finds ``туризм`` and ``Krankenhäuser`` finds ``Krankenhaus``); it matches when
    all its tokens are among the unit's. Keywords in Chinese, Japanese or Korean script match
    as substrings of the text (these scripts do not mark word boundaries). A keyword that
    tokenises to nothing (a stopword alone) matches as a whole word of the lower-cased text.
    """
    n, k_count = len(texts), len(keywords)
    hits = np.zeros((n, k_count), dtype=np.int32)
    if not any(keywords):
        return hits, []
    cache: dict[tuple[str, str | None], tuple[str, ...]] = {}
    cjk = [[w for w in kws if _CJK.search(w)] for kws in keywords]
    plain = [[w for w in kws if not _CJK.search(w)] for kws in keywords]
    patterns = {w: re.compile(r"(?<!\w)" + re.escape(w.lower()) + r"(?!\w)") for kws in plain for w in kws}
    empty: set[str] = set()
    for i in range(n):
        lang = langs[i]
        toks = set(tokens[i])
        text = texts[i]
        lowered: str | None = None
        for k in range(k_count):
            count = sum(1 for w in cjk[k] if w in text)
            for w in plain[k]:
                key = (w, lang)
                if key not in cache:
                    cache[key] = tuple(tokenizer.tokenize(w, lang))
                wt = cache[key]
                if wt:
                    count += all(t in toks for t in wt)
                else:
                    empty.add(w)
                    lowered = text.lower() if lowered is None else lowered
                    count += bool(patterns[w].search(lowered))
            hits[i, k] = count
    return hits, sorted(empty)


def _standardise(S: np.ndarray, center: np.ndarray | None = None, scale: np.ndarray | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if center is None or scale is None:
        center = np.median(S, axis=0)
        mad = np.median(np.abs(S - center), axis=0) * 1.4826
        # A theme every unit is equally close to has no spread: fall back to the std, then 1.
        std = S.std(axis=0)
        scale = np.where(mad > 1e-9, mad, np.where(std > 1e-9, std, 1.0))
    return (S - center) / scale, center, scale


def _topic_terms(Z: np.ndarray, topics: np.ndarray) -> dict[int, np.ndarray]:
    out: dict[int, np.ndarray] = {}
    for t in np.unique(topics):
        out[int(t)] = np.zeros(Z.shape[1]) if t < 0 else Z[topics == t].mean(axis=0)
    return out


def _combine(Z: np.ndarray, topics: np.ndarray, terms: dict[int, np.ndarray]) -> np.ndarray:
    T = np.zeros_like(Z)
    for t, v in terms.items():
        T[topics == t] = v
    return Z + T


def _candidates(F: np.ndarray, hits: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate theme per unit (keyword theme first, ties and no keyword by evidence)."""
    top = hits.max(axis=1)
    keyword = top > 0
    tied = np.where(hits == top[:, None], F, -np.inf)
    best = np.where(keyword, tied.argmax(axis=1), F.argmax(axis=1))
    return best, keyword


def _decide(F: np.ndarray, best: np.ndarray, keyword: np.ndarray, bars: np.ndarray, floors: np.ndarray
            ) -> tuple[np.ndarray, list[str]]:
    idx = np.arange(F.shape[0])
    own = F[idx, best]
    by_keyword = keyword
    by_embedding = ~keyword & (own > bars[best])
    theme = np.where(by_keyword | by_embedding, best, -1)
    source = ["keyword" if a else "embedding" if b else "" for a, b in zip(by_keyword.tolist(), by_embedding.tolist())]
    return theme, source


def _bars(F: np.ndarray, best: np.ndarray, keyword: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Per theme: the bar (Benjamini-Hochberg at ``alpha`` against an empirical null) and the floor.

    The null for theme ``k`` is read off the bulk of the corpus (Efron's empirical null): a
    theme is about a minority of the units, so the median and the MAD of every unit's evidence
    for ``k`` describe the units *not* about it. Each candidate of ``k`` without a keyword gets
    the normal tail probability of its evidence under that null; the Benjamini-Hochberg step
    keeps the largest set whose expected share of units not about ``k`` is at most ``alpha``,
    and the bar sits just below the weakest unit kept (``inf`` when none is kept). The floor,
    which keyword units must reach, is the null's median.
    """
    from scipy.stats import norm

    k_count = F.shape[1]
    bars = np.full(k_count, np.inf)
    floors = np.empty(k_count)
    for k in range(k_count):
        col = F[:, k]
        center = float(np.median(col))
        spread = float(np.median(np.abs(col - center)) * 1.4826) or float(col.std()) or 1.0
        floors[k] = center
        cand = np.sort(F[(best == k) & ~keyword, k])[::-1]
        if cand.size == 0:
            continue
        pvals = norm.sf((cand - center) / spread)
        ok = np.nonzero(pvals <= alpha * np.arange(1, cand.size + 1) / cand.size)[0]
        if ok.size:
            bars[k] = float(np.nextafter(cand[ok[-1]], -np.inf))
    return bars, floors


def _score(X: np.ndarray, centres: np.ndarray, topics: np.ndarray, hits: np.ndarray, alpha: float) -> tuple:
    """One reading of the evidence against ``centres``: theme, keyword mask, source, evidence,
    bars, floors and the standardisation and topic terms it used."""
    Z, center, scale = _standardise((X @ centres.T.astype(np.float32)).astype(np.float64))
    terms = _topic_terms(Z, topics)
    F = _combine(Z, topics, terms)
    best, keyword = _candidates(F, hits)
    bars, floors = _bars(F, best, keyword, alpha)
    theme, source = _decide(F, best, keyword, bars, floors)
    return theme, keyword, source, F, bars, floors, center, scale, terms


def language_shifts(X: np.ndarray, langs: Sequence[str | None] | None) -> dict[str, np.ndarray]:
    """Language -> its mean unit vector minus the corpus mean (empty with one language or none).

    Theme evidence is read with these offsets removed: otherwise a theme whose keyword units
    are in one language gets a centre that leans toward that language, and every unit of
    that language looks a little more like the theme."""
    if langs is None:
        return {}
    arr = np.asarray([str(v) for v in langs])
    present = np.unique(arr)
    if present.size < 2:
        return {}
    mean = X.mean(axis=0, dtype=np.float64)
    return {str(lang): X[arr == lang].mean(axis=0, dtype=np.float64) - mean for lang in present}


def shift_rows(X: np.ndarray, langs: Sequence[str | None] | None, shifts: dict[str, np.ndarray]) -> np.ndarray:
    """``X`` with each row's language offset removed and rows back at unit length."""
    if not shifts or langs is None:
        return X
    out = X.copy()
    arr = np.asarray([str(v) for v in langs])
    for lang, v in shifts.items():
        out[arr == lang] -= v.astype(out.dtype)
    return unit_rows(out)


def assign_unit_themes(embeddings: np.ndarray, topics: np.ndarray, names: Sequence[str], prototypes: np.ndarray,
                       hits: np.ndarray | None = None, *, langs: Sequence[str | None] | None = None,
                       alpha: float = 0.05) -> UnitThemes:
    """Give every unit zero or one theme (see the module docstring for the rule).

    Parameters
    ----------
    embeddings : ndarray of shape (n, dim)
        Unit embeddings (the aligned matrix the topics were built from).
    topics : ndarray of int, shape (n,)
        Topic per unit (``-1``: outlier, no topic term).
    names : sequence of str
        Theme names.
    prototypes : ndarray of shape (n_themes, dim)
        Starting centre per theme: the mean embedding of its name, description and examples.
    hits : ndarray of int, shape (n, n_themes), optional
        Keyword matches (:func:`keyword_hits`); none by default.
    alpha : float, default 0.05
        Share of units about other themes that may clear a theme's bar, in (0, 0.5).

    Returns
    -------
    UnitThemes
    """
    X = unit_rows(np.asarray(embeddings, dtype=np.float32))  # float32: a million units stay 2 GB
    P = unit_rows(np.asarray(prototypes, dtype=np.float64))
    topics = np.asarray(topics)
    _check(names, P, X, topics, hits)
    shifts = language_shifts(X, langs)
    X = shift_rows(X, langs, shifts)
    if not 0.0 < alpha < 0.5:
        raise ParameterError("alpha", f"must be between 0 and 0.5 (exclusive), got {alpha!r}")
    hits = np.zeros((X.shape[0], len(names)), dtype=np.int32) if hits is None else np.asarray(hits)
    centres = P
    for _ in range(REFINE_ROUNDS):
        theme, keyword = _score(X, centres, topics, hits, alpha)[:2]
        # Only units that already carry the theme re-centre it: its keyword units when it has
        # some (a researcher's words beat similarity to a short name), else the units that
        # cleared its bar. A theme nothing is about keeps its starting point instead of
        # drifting onto whichever cluster happens to lie nearest.
        new = []
        for k in range(len(names)):
            sure = (theme == k) & keyword
            if not sure.any():
                sure = theme == k
            new.append(P[k] + X[sure].sum(axis=0, dtype=np.float64))
        centres = unit_rows(np.stack(new))
    # Scored with the centres as saved (float32), so a saved model reproduces the fit exactly.
    centres = centres.astype(np.float32).astype(np.float64)
    theme, _, source, F, bars, floors, center, scale, terms = _score(X, centres, topics, hits, alpha)
    return UnitThemes(names=list(names), theme=theme, scores=F, source=source, hits=hits, bars=bars, floors=floors,
                      centres=centres.astype(np.float32), center=center, scale=scale, topic_terms=terms, alpha=alpha,
                      shifts=shifts)


def score_units(embeddings: np.ndarray, topics: np.ndarray, state: dict[str, Any], hits: np.ndarray | None = None,
                langs: Sequence[str | None] | None = None) -> UnitThemes:
    """Themes of new units against a fitted assignment's ``state()`` (same centres, scale and bars).

    Topics the state has no term for (new or outlier) contribute nothing."""
    names = list(state["names"])
    centres = np.asarray(state["centres"], dtype=np.float64)
    X = unit_rows(np.asarray(embeddings, dtype=np.float32))  # float32: a million units stay 2 GB
    topics = np.asarray(topics)
    _check(names, centres, X, topics, hits)
    hits = np.zeros((X.shape[0], len(names)), dtype=np.int32) if hits is None else np.asarray(hits)
    shifts = {str(k): np.asarray(v, dtype=np.float64) for k, v in state.get("shifts", {}).items()}
    X = shift_rows(X, langs, shifts)
    Z, center, scale = _standardise((X @ centres.T.astype(np.float32)).astype(np.float64), np.asarray(state["center"]),
                                    np.asarray(state["scale"]))
    terms = {int(t): np.asarray(v) for t, v in state["topic_terms"].items()}
    F = _combine(Z, topics, {t: v for t, v in terms.items() if t >= 0})
    best, keyword = _candidates(F, hits)
    bars, floors = np.asarray(state["bars"]), np.asarray(state["floors"])
    theme, source = _decide(F, best, keyword, bars, floors)
    return UnitThemes(names=names, theme=theme, scores=F, source=source, hits=hits, bars=bars, floors=floors,
                      centres=centres.astype(np.float32), center=center, scale=scale, topic_terms=terms,
                      alpha=float(state["alpha"]), shifts=shifts)


def topic_theme_mix(topics: np.ndarray, theme: np.ndarray, n_themes: int) -> dict[int, np.ndarray]:
    """Topic id -> share of its units in each theme (the rest have no theme)."""
    topics = np.asarray(topics)
    out: dict[int, np.ndarray] = {}
    for t in np.unique(topics):
        mine = theme[topics == t]
        counts = np.bincount(mine[mine >= 0], minlength=n_themes)[:n_themes]
        out[int(t)] = counts / max(mine.size, 1)
    return out


def topic_themes(mix: dict[int, np.ndarray], names: Sequence[str]) -> dict[int, str | None]:
    """Topic id -> the theme most of its units carry (more than half), else ``None``; outliers ``None``."""
    out: dict[int, str | None] = {}
    for t, shares in mix.items():
        k = int(np.argmax(shares)) if shares.size else -1
        out[t] = names[k] if t >= 0 and k >= 0 and shares[k] > 0.5 else None
    return out
