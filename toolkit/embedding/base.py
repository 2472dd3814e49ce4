"""The embedder interface every backend implements."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import Callable, Sequence

import numpy as np

__all__ = ["Embedder", "available_cores", "normalize_rows"]


def available_cores() -> int:
    """CPU cores this process may really use (affinity-aware, at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Scale each row of ``vectors`` to unit L2 length in place (zero rows stay zero); returns it.

    Every embedder's output goes through this, so all of them normalise bit for bit alike.
    """
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


class Embedder(ABC):
    """Turns texts into L2-normalised float32 vectors.

    Subclasses set :attr:`name` and implement :meth:`_encode`; :meth:`embed` batches, reports
    progress and normalises. ``model_key`` identifies model and version for the cache.
    :meth:`load` loads the model now (a model that cannot be loaded fails here, before any
    work), :meth:`to` moves it to a device; both are no-ops for an embedder without either.
    """

    name: str = "embedder"
    #: ISO 639-1 codes of the languages the model was trained on (``zh`` stands for Simplified
    #: and Traditional Chinese); ``None`` when the model does not say. Units in other languages
    #: are embedded all the same but tend to cluster by language or by surface form, so a run
    #: names them (:func:`toolkit.evaluate.embedder_coverage`).
    languages: frozenset[str] | None = None

    def load(self) -> Embedder:
        """Load the model now instead of at the first :meth:`embed`; returns ``self``."""
        return self

    def to(self, device: str) -> Embedder:  # noqa: ARG002 - nothing to move by default
        """Run on ``device`` (``"cpu"``, ``"cuda"``); returns ``self``.

        The default keeps the embedder where it is: numpy models (``use-multilingual``) run on
        the CPU only.
        """
        return self

    @property
    def model_key(self) -> str:
        """Model id and version; two embedders with the same key give the same vectors."""
        return self.name

    @abstractmethod
    def _encode(self, texts: list[str]) -> np.ndarray:
        """Encode one batch; returns an (n, dim) array."""

    def embed(self, texts: Sequence[str], *, batch_size: int = 64,
              progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed texts in batches.

        Parameters
        ----------
        texts : sequence of str
        batch_size : int
            Texts per encoder call.
        progress : callable, optional
            Called with the number of texts finished after each batch.

        Returns
        -------
        numpy.ndarray
            ``(len(texts), dim)`` float32, rows L2-normalised.
        """
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = []
        for start in range(0, len(texts), batch_size):
            batch = texts[start:start + batch_size]
            parts.append(np.asarray(self._encode(batch), dtype=np.float32))
            if progress is not None:
                progress(len(batch))
        return normalize_rows(np.vstack(parts))

    @property
    def dimension(self) -> int:
        """Vector size."""
        return int(self._encode(["dimension probe"]).shape[1])
