"""Topic quality at embedding.precision float32 against bfloat16, and runs that do not depend
on what the cache held before.

In one process, on the configs as committed (every other setting the schema's default):

* **SIB-200 ru+de+zh** (``configs/sib200.yaml``, 3,012 sentences, 7 labels): one run per seed
  and precision; NMI with the labels, agreement of parallel translations
  (``parallel_agreement``), theme accuracy where the run has themes, topic count; and the
  cosine between the float32 and the bfloat16 vector of every sentence (minimum, 1st
  percentile, share >= 0.999). A control arm, ``float32+noise``, adds to every float32 vector
  a random direction of the size of the mean float32-bfloat16 difference (seeded by the text, so
  a vector still depends on the text alone): how much the topics move from *any* change of
  that size, whatever its cause.
* **The sample corpus** (``configs/seeds.yaml``): per precision, a run on a cold cache, a run
  on a cache first warmed with 30 of its units, and a run on the warm cache; their
  ``assignments.csv`` must be byte-identical, and the float32 and bfloat16 runs are compared
  (ARI of their topics, theme accuracy).
* **The pipeline's own spread** (``floor``): per seed, the float32 vectors and that seed's UMAP
  reduction held fixed, the topic tree rebuilt with the seeds of its base k-means changed
  (``seed + 1 .. seed + FLOOR_TREES``) and nothing else: the range of NMI this gives is what a
  change of the last bits anywhere upstream can move NMI by, before any precision enters.

Usage: ``python experiments/precision_quality.py [--seeds 42,0,1] [--workdir DIR]``
Writes ``experiments/results/precision_quality.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "experiments"))

from results_file import write_results  # noqa: E402
from toolkit.cache import EmbeddingCache  # noqa: E402
from toolkit.config import load_config  # noqa: E402
from toolkit.corpus import load_corpus  # noqa: E402
from toolkit.embedding.precision import choose_precision  # noqa: E402
from toolkit.embedding.use import USEEmbedder  # noqa: E402
from toolkit.experiment import run_experiment  # noqa: E402

RESULTS = ROOT / "experiments" / "results" / "precision_quality.json"
PRECISIONS = ("float32", "bfloat16")
ARMS = (*PRECISIONS, "float32+noise")
METRICS = ("nmi", "parallel_agreement", "theme_accuracy", "n_topics", "outlier_share")
FLOOR_TREES = 5


class NoisyEmbedder(USEEmbedder):
    """float32 USE vectors plus a per-text random direction of length ``size`` (control arm)."""

    def __init__(self, size: float) -> None:
        super().__init__(precision="float32")
        self.size = size

    @property
    def model_key(self) -> str:
        return f"{super().model_key}+noise{self.size:.3g}"

    def embed(self, texts, *, batch_size=64, progress=None):
        vectors = super().embed(texts, batch_size=batch_size, progress=progress)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
            noise = np.random.default_rng(seed).standard_normal(vectors.shape[1]).astype(np.float32)
            vectors[i] += noise * (self.size / np.linalg.norm(noise))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors


def run(config_path: str, overrides: list[str], out: Path, embedder=None) -> tuple[dict[str, Any], bytes, float]:
    config = load_config(ROOT / config_path, [*overrides, "model.save=false"])
    start = time.perf_counter()
    outcome = run_experiment(config, out=out, embedder=embedder)
    seconds = time.perf_counter() - start
    metrics = {k: outcome.metrics.get(k) for k in METRICS}
    metrics["embedding"] = outcome.manifest.get("embedding")
    return metrics, (out / "assignments.csv").read_bytes(), seconds


def topics_of(csv_bytes: bytes) -> list[str]:
    import csv
    import io

    return [row["topic"] for row in csv.DictReader(io.StringIO(csv_bytes.decode("utf-8")))]


def tree_spread(vectors: np.ndarray, labels: list[str], seed: int) -> dict[str, Any]:
    """NMI of the default topic tree at one UMAP reduction, over base k-means seeds only."""
    from sklearn.metrics import normalized_mutual_info_score

    from toolkit.config import config_from_dict
    from toolkit.topics.reduce import reduce_embeddings
    from toolkit.topics.tree import build_tree

    config = config_from_dict({"corpus": {"path": "unused.jsonl"}, "seed": seed})
    u, c = config.umap, config.clustering
    reduced = reduce_embeddings(vectors, n_components=u.n_components, n_neighbors=u.n_neighbors,
                                min_dist=u.min_dist, metric=u.metric, seed=seed)
    counts, nmis = [], []
    for tree_seed in range(seed, seed + FLOOR_TREES + 1):
        tree = build_tree(reduced, base_size=c.base_size, min_clusters=c.min_clusters, max_clusters=c.max_clusters,
                          min_size=c.min_size, sample=c.tree_sample, random_state=tree_seed)
        k = tree.best_count()
        counts.append(k)
        nmis.append(float(normalized_mutual_info_score(labels, tree.labels(k))))
    return {"tree_seeds": f"{seed}..{seed + FLOOR_TREES}", "n_topics": counts, "nmi": [round(v, 4) for v in nmis],
            "nmi_range": round(max(nmis) - min(nmis), 4), "nmi_sd": round(float(np.std(nmis)), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="42,0,1")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from sklearn.metrics import adjusted_rand_score

    seeds = [int(s) for s in args.seeds.split(",")]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="precision-quality-"))
    work.mkdir(parents=True, exist_ok=True)
    auto = choose_precision("auto")

    # Per-sentence cosine float32 vs bfloat16 on SIB-200.
    sib = load_config(ROOT / "configs" / "sib200.yaml")
    sib_corpus = load_corpus(sib.corpus)
    texts, sib_labels = sib_corpus.texts, [s.label for s in sib_corpus.segments]
    vectors = {}
    for precision in PRECISIONS:
        embedder = USEEmbedder(precision=precision)
        vectors[precision] = embedder.embed(texts)
        embedder.close()
    cosine = np.einsum("ij,ij->i", vectors["float32"], vectors["bfloat16"])
    cos = {"sentences": len(texts), "min": float(cosine.min()), "p1": float(np.percentile(cosine, 1)),
           "share_at_least_0.999": float((cosine >= 0.999).mean()), "mean": float(cosine.mean())}
    noise_size = float(np.linalg.norm(vectors["float32"] - vectors["bfloat16"], axis=1).mean())
    noisy = NoisyEmbedder(noise_size)

    # SIB-200, one run per seed and precision, one cache per precision.
    sib_rows = []
    for seed in seeds:
        row: dict[str, Any] = {"seed": seed}
        for arm in ARMS:
            precision = arm.split("+")[0]
            metrics, csv_bytes, seconds = run(
                "configs/sib200.yaml", [f"seed={seed}", f"embedding.precision={precision}",
                                        f"cache.dir={work / 'cache-sib'}"],
                work / f"sib-{seed}-{arm}", embedder=noisy if arm.endswith("noise") else None)
            row[arm] = {**metrics, "seconds": round(seconds, 1)}
            row[f"{arm}_topics"] = topics_of(csv_bytes)
        for arm in ARMS[1:]:
            row[f"ari_float32_vs_{arm}"] = float(adjusted_rand_score(row["float32_topics"], row[f"{arm}_topics"]))
            for key in ("nmi", "parallel_agreement"):
                a, b = row["float32"][key], row[arm][key]
                row[f"{key}_difference_{arm}"] = None if a is None or b is None else round(b - a, 4)
        for arm in ARMS:
            row.pop(f"{arm}_topics")
        row["floor"] = tree_spread(vectors["float32"], sib_labels, seed)
        sib_rows.append(row)

    # The sample corpus: cold, warmed by a subset, warm; per precision.
    seeds_cfg = load_config(ROOT / "configs" / "seeds.yaml")
    units = load_corpus(seeds_cfg.corpus).texts
    subset = units[::max(1, len(units) // 30)][:30]
    seed_rows = {}
    for precision in PRECISIONS:
        cold_dir, warm_dir = work / f"cache-seeds-cold-{precision}", work / f"cache-seeds-subset-{precision}"
        embedder = USEEmbedder(precision=precision)
        EmbeddingCache(warm_dir).get_or_compute(embedder.model_key, subset, embedder.embed)
        embedder.close()
        common = [f"embedding.precision={precision}"]
        cold, cold_csv, _ = run("configs/seeds.yaml", [*common, f"cache.dir={cold_dir}"], work / f"seeds-cold-{precision}")
        _, subset_csv, _ = run("configs/seeds.yaml", [*common, f"cache.dir={warm_dir}"], work / f"seeds-subset-{precision}")
        _, warm_csv, _ = run("configs/seeds.yaml", [*common, f"cache.dir={cold_dir}"], work / f"seeds-warm-{precision}")
        seed_rows[precision] = {
            **cold, "units": len(units), "subset_units": len(subset),
            "assignments_sha256": hashlib.sha256(cold_csv).hexdigest()[:16],
            "identical_cold_vs_warmed_by_subset": cold_csv == subset_csv,
            "identical_cold_vs_warm": cold_csv == warm_csv,
            "topics": topics_of(cold_csv)}
    seeds_ari = float(adjusted_rand_score(seed_rows["float32"].pop("topics"), seed_rows["bfloat16"].pop("topics")))

    print(f"auto on this machine: {auto.precision} ({auto.reason})")
    print(f"cosine float32 vs bfloat16, {cos['sentences']} SIB-200 sentences: min {cos['min']:.6f}, "
          f"1st percentile {cos['p1']:.6f}, >= 0.999 for {cos['share_at_least_0.999']:.1%}")
    print(f"float32+noise: a random direction of length {noise_size:.2e} added to each float32 vector")
    print(f"{'SIB-200 seed':<13}{'arm':<14}{'NMI':>7}{'agree':>7}{'theme acc':>10}{'topics':>7}{'s':>6}"
          f"  diff NMI, agree")
    for row in sib_rows:
        for arm in ARMS:
            m = row[arm]
            theme = "-" if m["theme_accuracy"] is None else f"{m['theme_accuracy']:.3f}"
            extra = "" if arm == "float32" else (
                f"  {row[f'nmi_difference_{arm}']:+.3f} {row[f'parallel_agreement_difference_{arm}']:+.3f}"
                f"  ARI to float32 {row[f'ari_float32_vs_{arm}']:.3f}")
            print(f"{row['seed']:<13}{arm:<14}{m['nmi']:>7.3f}{m['parallel_agreement']:>7.3f}{theme:>10}"
                  f"{m['n_topics']:>7}{m['seconds']:>6.0f}{extra}")
    print(f"the pipeline's own spread: float32 vectors and UMAP fixed, {FLOOR_TREES + 1} base k-means seeds")
    for row in sib_rows:
        f = row["floor"]
        print(f"  seed {row['seed']}: topics {f['n_topics']}, NMI {f['nmi']}, range {f['nmi_range']:.3f}, "
              f"sd {f['nmi_sd']:.3f}")
    for precision, m in seed_rows.items():
        theme = "-" if m["theme_accuracy"] is None else f"{m['theme_accuracy']:.3f}"
        print(f"seeds {precision:<9} topics {m['n_topics']}, theme accuracy {theme}, NMI {m['nmi']}; "
              f"assignments.csv identical cold / warmed by {m['subset_units']} of {m['units']} units: "
              f"{m['identical_cold_vs_warmed_by_subset']}, cold / warm: {m['identical_cold_vs_warm']}")
    print(f"seeds: ARI float32 vs bfloat16 topics {seeds_ari:.3f}")
    write_results(RESULTS, {
        "command": "python experiments/precision_quality.py --seeds " + args.seeds,
        "machine": platform.machine(), "python": platform.python_version(), "auto": auto.as_dict(),
        "cosine_float32_vs_bfloat16": cos, "noise_size": noise_size, "sib200": sib_rows,
        "seeds": {**seed_rows, "ari_float32_vs_bfloat16": seeds_ari},
    }, {"<workdir>": work})
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
