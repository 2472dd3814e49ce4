"""A deterministic embedder for tests and dry runs where the model does not matter."""

from __future__ import annotations

import hashlib

import numpy as np

from toolkit.embedding.base import Embedder

__all__ = ["HashingEmbedder"]


class HashingEmbedder(Embedder):
    """Bag of hashed character trigrams: same text, same vector; similar texts, similar vectors.

    Not a semantic model: it does not cross languages. Use it where the model does not matter.
    """

    name = "hashing"

    def __init__(self, dimension: int = 64) -> None:
        self._dim = dimension

    @property
    def model_key(self) -> str:
        return f"hashing@{self._dim}"

    @property
    def dimension(self) -> int:
        return self._dim

    def _encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, text in enumerate(texts):
            padded = f"  {text.casefold()}  "
            for j in range(len(padded) - 2):
                digest = hashlib.blake2b(padded[j:j + 3].encode("utf-8"), digest_size=8).digest()
                out[i, int.from_bytes(digest[:4], "little") % self._dim] += 1.0
            if not out[i].any():
                out[i, 0] = 1.0
        return out
