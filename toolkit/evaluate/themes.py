"""Theme figures a paper can report: prevalence with bootstrap intervals, and agreement with a coder.

Pure functions on per-unit theme names (``None``: no theme); no I/O.

Prevalence of a theme in a group of ``n`` units is the share of them that carry it. Its
interval is the percentile interval of the share over ``resamples`` bootstrap resamples of the
group's units (drawn with replacement; for one categorical variable that is one multinomial
draw per resample, which is what :func:`prevalence` does). A share of 0 or 1 has no bootstrap
spread, so its interval is the exact (Clopper-Pearson) one instead: 0 of 11 units is 0% [0%-28%],
not [0%-0%]. Units are treated as independent draws: sentences of one long document are not,
and their intervals are then too narrow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from toolkit.errors import ParameterError

__all__ = ["NO_THEME", "prevalence", "prevalence_rows", "coding_scores"]

#: The code for "about none of the themes", in coding files and tables.
NO_THEME = "none"


def prevalence(themes: Sequence[str | None], names: Sequence[str], *, confidence: float = 0.95,
               resamples: int = 1000, seed: int = 0) -> dict[str, dict[str, float]]:
    """Share of units in each theme, with its bootstrap interval.

    Returns
    -------
    dict
        Theme name (and ``"none"``) -> ``{"units", "share", "low", "high"}``.
    """
    if not 0.5 < confidence < 1.0:
        raise ParameterError("confidence", f"must be between 0.5 and 1, got {confidence!r}")
    if resamples < 1:
        raise ParameterError("resamples", f"must be at least 1, got {resamples!r}")
    index = {name: k for k, name in enumerate(names)}
    codes = np.array([len(names) if t is None else index[t] for t in themes], dtype=np.int64)
    n = codes.size
    counts = np.bincount(codes, minlength=len(names) + 1).astype(np.float64)
    out: dict[str, dict[str, float]] = {}
    if n == 0:
        return {name: {"units": 0, "share": float("nan"), "low": float("nan"), "high": float("nan")}
                for name in [*names, NO_THEME]}
    rng = np.random.default_rng(seed)
    draws = rng.multinomial(n, counts / n, size=resamples) / n
    tail = (1.0 - confidence) / 2.0
    low = np.quantile(draws, tail, axis=0)
    high = np.quantile(draws, 1.0 - tail, axis=0)
    from scipy.stats import beta

    for k, name in enumerate([*names, NO_THEME]):
        lo, hi = float(low[k]), float(high[k])
        if counts[k] == 0:
            hi = float(beta.ppf(1.0 - tail, 1, n))
        elif counts[k] == n:
            lo = float(beta.ppf(tail, n, 1))
        out[name] = {"units": int(counts[k]), "share": float(counts[k] / n), "low": lo, "high": hi}
    return out


def prevalence_rows(themes: Sequence[str | None], names: Sequence[str], groups: Mapping[str, Sequence[Any]], *,
                    confidence: float = 0.95, resamples: int = 1000, seed: int = 0,
                    max_groups: int = 500) -> list[dict[str, Any]]:
    """Prevalence overall and within each group of each grouping, as rows for themes.csv.

    ``groups`` maps a scope name (``lang``, ``doc``, ``month``) to one value per unit (``None``
    or ``""``: the unit is left out of that scope). A scope with more than ``max_groups``
    distinct values keeps the largest ones. Every row: ``scope, group, theme, units, total,
    share, low, high``.
    """
    themes = list(themes)
    rows: list[dict[str, Any]] = []

    def add(scope: str, group: str, members: list[str | None], offset: int) -> None:
        table = prevalence(members, names, confidence=confidence, resamples=resamples, seed=seed + offset)
        for name, v in table.items():
            rows.append({"scope": scope, "group": group, "theme": name, "units": v["units"], "total": len(members),
                         "share": v["share"], "low": v["low"], "high": v["high"]})

    add("all", "", themes, 0)
    for s_i, (scope, values) in enumerate(groups.items(), start=1):
        if len(values) != len(themes):
            raise ParameterError("groups", f"scope {scope!r} has {len(values)} values for {len(themes)} units")
        by: dict[str, list[str | None]] = {}
        for t, g in zip(themes, values):
            if g is None or g == "":
                continue
            by.setdefault(str(g), []).append(t)
        keep = sorted(by, key=lambda g: (-len(by[g]), g))[:max_groups]
        for g_i, g in enumerate(sorted(keep)):
            add(scope, g, by[g], 1000 * s_i + g_i)
    return rows


def coding_scores(model: Sequence[str | None], coder: Sequence[str | None], names: Sequence[str],
                  weights: Sequence[float] | None = None) -> dict[str, Any]:
    """Agreement of the model's themes with a human coder's, the way a coding scheme is validated.

    Parameters
    ----------
    model, coder : sequences of theme names (``None``: no theme), one per coded unit
    names : the theme names
    weights : optional inverse inclusion probabilities of a stratified sample (so precision,
        recall and kappa estimate the whole corpus, not the sample); equal by default.

    Returns
    -------
    dict
        ``units``, ``accuracy``, ``kappa`` (Cohen's, "no theme" a category of its own) and
        ``per_theme``: name -> ``precision, recall, f1, coded, assigned`` (coded/assigned:
        sample units the coder / the model gave the theme; ``None`` where undefined).
    """
    from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support

    if len(model) != len(coder):
        raise ParameterError("coder", f"{len(coder)} codes for {len(model)} model themes")
    if not model:
        raise ParameterError("coder", "no coded units: fill in the code column first")
    w = np.ones(len(model)) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (len(model),) or not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ParameterError("weights", "need one positive finite weight per coded unit")
    m = [NO_THEME if t is None else t for t in model]
    c = [NO_THEME if t is None else t for t in coder]
    labels = list(names)
    p, r, f, _ = precision_recall_fscore_support(c, m, labels=labels, sample_weight=w, zero_division=np.nan)
    per: dict[str, dict[str, Any]] = {}
    for k, name in enumerate(labels):
        coded = sum(1 for v in c if v == name)
        assigned = sum(1 for v in m if v == name)
        per[name] = {"precision": None if assigned == 0 else float(p[k]),
                     "recall": None if coded == 0 else float(r[k]),
                     "f1": None if coded == 0 or assigned == 0 else float(f[k]) if np.isfinite(f[k]) else 0.0,
                     "coded": coded, "assigned": assigned}
    agree = np.array([a == b for a, b in zip(m, c)], dtype=np.float64)
    kappa = float(cohen_kappa_score(c, m, sample_weight=w)) if len(set(c) | set(m)) > 1 else None
    return {"units": len(m), "accuracy": float((agree * w).sum() / w.sum()), "kappa": kappa, "per_theme": per}
