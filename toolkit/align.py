"""Language-bias removal on embedding matrices (``align.method``).

A multilingual encoder places translations close together, but each language usually also
carries an offset of its own: a direction along which every Russian sentence differs from every
German one. When that offset is large, clustering finds languages instead of themes. The
methods here remove it before UMAP; the aligned matrix is what every later step uses.

Methods (all fitted on the corpus itself; none uses gold topic labels):

``none``
    Leave the embeddings as they are.
``center``
    Replace each language's mean by the corpus mean: ``x - mean(lang) + mean(all)``.
``standardize``
    Per-language standardisation of every dimension, rescaled to the corpus-wide mean and
    spread: ``(x - mean(lang)) / sd(lang) * sd(all) + mean(all)``.
``remove_language``
    Linear removal of the directions that predict the language: repeated rounds of linear
    discriminant analysis between the languages (``L - 1`` directions per round for ``L``
    languages, a shrunk within-language covariance), each round's directions projected out
    of the whole matrix, until ``align.n_directions`` directions are gone. Every vector is
    projected the same way, whatever its language.
``groups``
    Needs translation groups (items sharing a ``group``): the main directions along which
    translations of one text differ from their group mean (an SVD of those differences) are
    projected out. Every vector is projected the same way, whatever its language.

Rows are scaled back to unit length afterwards (``align.normalize``), as the encoders return
them; ``none`` returns the embeddings exactly as given. :meth:`LanguageAligner.transform` also accepts vectors without a language (theme names,
say): ``center`` and ``standardize`` leave them unchanged, projections apply as for any row.
Whether a method helps depends on the corpus: ``experiments/crosslingual.py`` measures each.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from toolkit.arrays import as_matrix, as_langs, unit_rows
from toolkit.errors import ConfigError, ParameterError, TopicModelError

__all__ = ["ALIGN_METHODS", "LanguageAligner", "align_embeddings"]

log = logging.getLogger(__name__)

ALIGN_METHODS = ("none", "center", "standardize", "remove_language", "groups")
"""The values ``align.method`` accepts."""

_EPS = 1e-8


def _orthonormal_complement(basis: np.ndarray | None, vectors: np.ndarray, tol: float = 1e-6) -> np.ndarray:
    """Columns of ``vectors`` made orthonormal and orthogonal to ``basis`` (dropping dependent ones)."""
    out = []
    current = basis
    for v in vectors.T:
        w = v.copy()
        for _ in range(2):  # twice for numerical safety (Gram-Schmidt re-orthogonalisation)
            if current is not None and current.shape[1]:
                w = w - current @ (current.T @ w)
        norm = np.linalg.norm(w)
        if norm <= tol * max(np.linalg.norm(v), _EPS):
            continue
        w = w / norm
        out.append(w)
        current = w[:, None] if current is None else np.hstack([current, w[:, None]])
    if not out:
        return np.zeros((vectors.shape[0], 0))
    return np.stack(out, axis=1)


class LanguageAligner:
    """Remove language-specific structure from an embedding matrix.

    Parameters
    ----------
    method : {"none", "center", "standardize", "remove_language", "groups"}, default "none"
        See the module docstring.
    n_directions : int, default 8
        Directions projected out by ``remove_language`` and ``groups``.
    shrinkage : float, default 0.1
        Share of the identity mixed into the within-language covariance (``remove_language``),
        in [0, 1]; keeps the discriminant stable when dimensions outnumber segments.
    normalize : bool, default True
        Scale every row to unit length after aligning (not with ``none``).

    Attributes
    ----------
    languages_ : list of str
        Languages seen in ``fit``.
    mean_ : ndarray of shape (dim,)
        Corpus mean.
    lang_means_, lang_scales_ : dict
        Per-language mean and standard deviation (``center``, ``standardize``).
    scale_ : ndarray of shape (dim,)
        Corpus-wide standard deviation (``standardize``).
    components_ : ndarray of shape (n_removed, dim)
        Orthonormal directions projected out (``remove_language``, ``groups``).
    info_ : dict
        What was done, for the run manifest.
    """

    def __init__(self, method: str = "none", n_directions: int = 8, shrinkage: float = 0.1,
                 normalize: bool = True) -> None:
        self.method = method
        self.n_directions = n_directions
        self.shrinkage = shrinkage
        self.normalize = normalize

    def _validate(self) -> None:
        if self.method not in ALIGN_METHODS:
            raise ParameterError("method", f"expected one of {', '.join(ALIGN_METHODS)}, got {self.method!r}")
        if isinstance(self.n_directions, bool) or not isinstance(self.n_directions, (int, np.integer)) \
                or self.n_directions < 1:
            raise ParameterError("n_directions", f"expected an integer >= 1, got {self.n_directions!r}")
        if not (isinstance(self.shrinkage, (int, float)) and 0.0 <= float(self.shrinkage) <= 1.0):
            raise ParameterError("shrinkage", f"expected a number in [0, 1], got {self.shrinkage!r}")

    def fit(self, X: Any, langs: Sequence[str | None], groups: Sequence[str | None] | None = None
            ) -> LanguageAligner:
        """Learn the language structure of ``X``.

        Parameters
        ----------
        X : array-like of shape (n, dim)
            Embeddings.
        langs : sequence of str
            Language per row (``None`` counts as ``"und"``).
        groups : sequence of str or None, optional
            Translation group per row; required by ``method="groups"``.

        Returns
        -------
        LanguageAligner
            ``self``.

        Raises
        ------
        ParameterError
            For an unknown method or bad parameter, mismatched lengths, a matrix that is not
            2-D or not finite, or ``groups`` without any group of two or more rows (named by
            the parameter: ``method``, ``n_directions``, ``shrinkage``, ``X``, ``langs``,
            ``groups``).
        """
        self._validate()
        if self.method == "none":
            # Nothing to learn. Check the matrix in place (a float64 copy plus per-language
            # statistics doubled peak memory at 100k segments for no use).
            X = as_matrix(X, dtype=np.float32)
            lang_arr = as_langs(langs, X.shape[0])
            self.languages_ = sorted(set(lang_arr.tolist()))
            self.mean_ = X.mean(axis=0, dtype=np.float64)
            self.scale_ = np.ones(X.shape[1])
            self.lang_means_, self.lang_scales_ = {}, {}
            self.components_ = np.zeros((0, X.shape[1]))
            self.info_ = {"method": "none", "languages": len(self.languages_), "normalize": bool(self.normalize)}
            return self
        X = as_matrix(X)
        n, dim = X.shape
        lang_arr = as_langs(langs, n)
        self.languages_ = sorted(set(lang_arr.tolist()))
        self.mean_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0)
        self.lang_means_: dict[str, np.ndarray] = {}
        self.lang_scales_: dict[str, np.ndarray] = {}
        self.components_ = np.zeros((0, dim))
        for lang in self.languages_:
            rows = X[lang_arr == lang]
            self.lang_means_[lang] = rows.mean(axis=0)
            self.lang_scales_[lang] = rows.std(axis=0)
        info: dict[str, Any] = {"method": self.method, "languages": len(self.languages_),
                                "normalize": bool(self.normalize)}
        if self.method == "remove_language":
            self.components_ = self._discriminant_directions(X, lang_arr)
            info.update(n_directions=int(self.components_.shape[0]), shrinkage=float(self.shrinkage))
        elif self.method == "groups":
            self.components_, n_groups = self._group_directions(X, groups)
            info.update(n_directions=int(self.components_.shape[0]), n_groups=n_groups)
        if self.method in {"remove_language", "groups"} and self.components_.shape[0] == 0:
            log.warning("align.method=%s found no direction to remove (one language only?)", self.method)
        self.info_ = info
        log.info("alignment fitted: %s", info)
        return self

    def _discriminant_directions(self, X: np.ndarray, langs: np.ndarray) -> np.ndarray:
        if len(self.languages_) < 2:
            return np.zeros((0, X.shape[1]))
        dim = X.shape[1]
        basis = np.zeros((dim, 0))
        Z = X - self.mean_
        rounds = 0
        while basis.shape[1] < self.n_directions and rounds < self.n_directions:
            rounds += 1
            P = Z - (Z @ basis) @ basis.T
            means = []
            within = np.zeros((dim, dim))
            for lang in self.languages_:
                rows = P[langs == lang]
                mu = rows.mean(axis=0)
                means.append(mu)
                dev = rows - mu
                within += dev.T @ dev
            within /= max(P.shape[0] - len(self.languages_), 1)
            # Shrink towards a scaled identity (Ledoit-Wolf style, fixed weight).
            target = np.trace(within) / dim
            within = (1.0 - self.shrinkage) * within + self.shrinkage * target * np.eye(dim)
            diffs = np.stack(means, axis=1) - P.mean(axis=0)[:, None]
            directions = np.linalg.solve(within, diffs)
            # Keep only what is new in the part of the space not removed yet.
            new = _orthonormal_complement(basis, directions)
            if new.shape[1] == 0:
                break
            basis = np.hstack([basis, new])[:, : self.n_directions]
        return basis.T

    def _group_directions(self, X: np.ndarray, groups: Sequence[str | None] | None) -> tuple[np.ndarray, int]:
        n = X.shape[0]
        if groups is not None and len(groups) != n:
            raise ParameterError("groups", f"got {len(groups)} groups for {n} rows")
        members: dict[str, list[int]] = {}
        for i, g in enumerate(groups or []):
            if g is not None and str(g) != "":
                members.setdefault(str(g), []).append(i)
        multi = [idx for idx in members.values() if len(idx) >= 2]
        if not multi:
            raise ParameterError(
                "groups", "method='groups' needs translation groups (a 'group' value shared by two or "
                "more items, e.g. the JSONL key 'group'); this corpus has none. Use method="
                "'remove_language', which needs only the languages.")
        diffs = np.vstack([X[idx] - X[idx].mean(axis=0) for idx in multi])
        _, s, vt = np.linalg.svd(diffs, full_matrices=False)
        k = int(min(self.n_directions, int(np.sum(s > _EPS * max(s[0], _EPS)))))
        return vt[:k], len(multi)

    def transform(self, X: Any, langs: Sequence[str | None] | None = None) -> np.ndarray:
        """Apply the fitted alignment.

        Parameters
        ----------
        X : array-like of shape (n, dim)
        langs : sequence of str, optional
            Language per row. Rows without a language, or in a language not seen in ``fit``,
            keep their own offset under ``center`` and ``standardize``.

        Returns
        -------
        ndarray of shape (n, dim), float32
        """
        if not hasattr(self, "info_"):
            raise ConfigError("LanguageAligner.transform called before fit")
        X = as_matrix(X, dtype=np.float32 if self.method == "none" else np.float64)
        if X.shape[1] != self.mean_.shape[0]:
            raise ParameterError("X", f"fitted on {self.mean_.shape[0]}-d embeddings, got {X.shape[1]}-d")
        lang_arr = None if langs is None else as_langs(langs, X.shape[0])
        if self.method == "none":
            # Nothing to remove: hand the embeddings on exactly as they came.
            return np.asarray(X, dtype=np.float32)
        out = X.copy()
        if self.method in {"center", "standardize"} and lang_arr is not None:
            for lang in self.languages_:
                mask = lang_arr == lang
                if not mask.any():
                    continue
                if self.method == "center":
                    out[mask] = X[mask] - self.lang_means_[lang] + self.mean_
                else:
                    sd = np.where(self.lang_scales_[lang] > _EPS, self.lang_scales_[lang], 1.0)
                    out[mask] = (X[mask] - self.lang_means_[lang]) / sd * self.scale_ + self.mean_
        elif self.components_.shape[0]:
            C = self.components_
            out = X - ((X - self.mean_) @ C.T) @ C
        if self.normalize:
            out = unit_rows(out, tiny=_EPS)
        return out.astype(np.float32)

    def get_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The fitted aligner as JSON-able values and arrays, to save without pickle.

        :meth:`from_state` rebuilds an aligner whose ``transform`` gives the same bytes.
        """
        if not hasattr(self, "info_"):
            raise TopicModelError("LanguageAligner.get_state called before fit")
        values = {"method": self.method, "n_directions": int(self.n_directions),
                  "shrinkage": float(self.shrinkage), "normalize": bool(self.normalize),
                  "languages": list(self.languages_), "per_language": sorted(self.lang_means_),
                  "info": dict(self.info_)}
        keys = values["per_language"]
        dim = self.mean_.shape[0]
        arrays = {
            "mean": np.asarray(self.mean_), "scale": np.asarray(self.scale_),
            "components": np.asarray(self.components_),
            "lang_means": np.stack([self.lang_means_[k] for k in keys]) if keys else np.zeros((0, dim)),
            "lang_scales": np.stack([self.lang_scales_[k] for k in keys]) if keys else np.zeros((0, dim)),
        }
        return values, arrays

    @classmethod
    def from_state(cls, values: dict[str, Any], arrays: dict[str, np.ndarray]) -> LanguageAligner:
        """An aligner from :meth:`get_state`'s output, fitted as the one that wrote it."""
        aligner = cls(method=values["method"], n_directions=values["n_directions"],
                      shrinkage=values["shrinkage"], normalize=values["normalize"])
        aligner._validate()
        keys = list(values["per_language"])
        aligner.languages_ = list(values["languages"])
        aligner.mean_ = np.asarray(arrays["mean"])
        aligner.scale_ = np.asarray(arrays["scale"])
        aligner.components_ = np.asarray(arrays["components"])
        aligner.lang_means_ = {k: np.asarray(arrays["lang_means"][i]) for i, k in enumerate(keys)}
        aligner.lang_scales_ = {k: np.asarray(arrays["lang_scales"][i]) for i, k in enumerate(keys)}
        aligner.info_ = dict(values["info"])
        return aligner

    def fit_transform(self, X: Any, langs: Sequence[str | None],
                      groups: Sequence[str | None] | None = None) -> np.ndarray:
        """``fit`` then ``transform`` on the same rows."""
        return self.fit(X, langs, groups).transform(X, langs)


def align_embeddings(X: Any, langs: Sequence[str | None], *, method: str = "none",
                     groups: Sequence[str | None] | None = None, n_directions: int = 8,
                     shrinkage: float = 0.1, normalize: bool = True
                     ) -> tuple[np.ndarray, LanguageAligner]:
    """Align an embedding matrix across languages.

    Parameters
    ----------
    X : array-like of shape (n, dim)
        Embeddings, one row per unit.
    langs : sequence of str
        Language per unit.
    method : str, default "none"
        One of :data:`ALIGN_METHODS`.
    groups : sequence of str or None, optional
        Translation group per unit (``method="groups"``).
    n_directions, shrinkage, normalize
        See :class:`LanguageAligner`.

    Returns
    -------
    aligned : ndarray of shape (n, dim), float32
        With ``method="none"`` and ``normalize=False``, the input unchanged.
    aligner : LanguageAligner
        The fitted aligner (``aligner.info_`` describes what was done).
    """
    aligner = LanguageAligner(method=method, n_directions=n_directions, shrinkage=shrinkage,
                              normalize=normalize)
    aligned = aligner.fit_transform(X, langs, groups)
    return aligned, aligner
