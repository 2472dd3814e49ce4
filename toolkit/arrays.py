"""Array arguments shared by the steps: one language per row, rows scaled to unit length.

The lowest room beside :mod:`toolkit.errors`: it imports only numpy and the errors, so
:mod:`toolkit.align` and :mod:`toolkit.topics` check and transform their inputs the same way
(and a wrong-length language list is the same :class:`~toolkit.errors.ParameterError`
wherever it is passed).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from toolkit.errors import ParameterError

__all__ = ["as_langs", "unit_rows"]


def as_langs(langs: Sequence[str | None], n: int) -> np.ndarray:
    """One language tag per row, ``None`` and empty tags as ``"und"``.

    Parameters
    ----------
    langs : sequence of str or None
        Language per row.
    n : int
        Rows the languages must match.

    Returns
    -------
    ndarray of object, shape (n,)

    Raises
    ------
    ParameterError
        ``langs`` when its length is not ``n``.
    """
    if len(langs) != n:
        raise ParameterError("langs", f"got {len(langs)} languages for {n} rows; pass one language per row")
    return np.asarray([lang if isinstance(lang, str) and lang else "und" for lang in langs], dtype=object)


def unit_rows(X: np.ndarray, tiny: float = 0.0) -> np.ndarray:
    """``X`` with every row of norm above ``tiny`` scaled to unit length; other rows as they are.

    Zero rows stay zero; ``tiny`` leaves near-zero rows alone instead of blowing up their noise.
    """
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > tiny, norms, 1.0)
