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

__all__ = ["as_langs", "as_matrix", "unit_rows"]


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


def as_matrix(X: object, dtype: type | None = np.float64, param: str = "X") -> np.ndarray:
    """``X`` as a non-empty, finite 2-D array of ``dtype`` (``None``: its own float dtype).

    Raises
    ------
    ParameterError
        Named ``param``: not convertible, not 2-D or empty, or holding NaN or infinity.
    """
    try:
        arr = np.asarray(X, dtype=dtype)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.dtype.kind not in "fiu":
        raise ParameterError(param, f"expected a 2-D embedding matrix (rows of numbers), got {type(X).__name__}")
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ParameterError(param, f"expected a non-empty 2-D embedding matrix, got shape {arr.shape}")
    # In row blocks: a whole-matrix isfinite would allocate n x dim booleans.
    for start in range(0, arr.shape[0], 8192):
        if not np.isfinite(arr[start:start + 8192]).all():
            raise ParameterError(param, "the embedding matrix holds NaN or infinite values; expected finite numbers")
    return arr
