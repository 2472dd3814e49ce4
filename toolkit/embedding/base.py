"""The embedder interface every backend implements."""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from typing import Callable, Sequence

import numpy as np

from toolkit.errors import ParameterError

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
    #: Characters of a text the embedder reads; the rest is cut off before tokenising, so a
    #: text of any length costs bounded memory (a sentence encoder gains nothing from more).
    max_chars: int = 10_000

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

    def describe(self) -> dict:
        """What a run's manifest records about the embedder: at least ``model_key``."""
        return {"model_key": self.model_key}

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
        texts = self.check_texts(texts, batch_size)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = []
        for start in range(0, len(texts), batch_size):
            batch = texts[start:start + batch_size]
            parts.append(np.asarray(self._encode(batch), dtype=np.float32))
            if progress is not None:
                progress(len(batch))
        return normalize_rows(np.vstack(parts))

    def check_texts(self, texts: Sequence[str], batch_size: int = 64) -> list[str]:
        """``texts`` as a list, each cut to :attr:`max_chars`; the arguments of :meth:`embed` checked.

        Raises
        ------
        ParameterError
            ``texts`` is one string or holds something else than strings, or ``batch_size``
            is not a positive integer.
        """
        if isinstance(texts, str):
            raise ParameterError("texts", "got one string; pass a list of texts, e.g. [text]")
        try:
            out = list(texts)
        except TypeError:
            raise ParameterError("texts", f"expected a list of strings, got {type(texts).__name__}") from None
        for i, text in enumerate(out):
            if not isinstance(text, str):
                raise ParameterError("texts", f"item {i} is {type(text).__name__}, expected a string")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ParameterError("batch_size", f"expected an integer >= 1, got {batch_size!r}")
        limit = self.max_chars
        return [t if len(t) <= limit else t[:limit] for t in out]

    @property
    def dimension(self) -> int:
        """Vector size."""
        return int(self._encode(["dimension probe"]).shape[1])
