"""Does another rule for choosing the topic count keep float32 and bfloat16 runs closer?

The topic tree picks its count by the best weighted centroid silhouette (``TopicTree.
best_count``) over a tree built on base k-means clusters. On SIB-200 that criterion is flat over a range of counts, and a change of the
vectors in their last bits moves the pick (docs/benchmarks.md, "Embedding precision"). This
script holds, per corpus and seed, one float32 and one bfloat16 UMAP reduction (the defaults)
and applies each rule below to both; it reports the topic counts and the NMI with the gold
labels at each precision, and the difference:

* ``one_start``: the best criterion over a tree whose base k-means has one start (the
  default before ``clustering.n_init`` reached the tree); the next five rules work on such
  trees too;
* ``one_se``: the smallest count whose criterion is within one standard error (over base
  clusters, size-weighted) of the best;
* ``mean_of_8``: the criterion averaged over 8 base k-means fits (seeds ``seed .. seed+7``),
  its best count cut on the first tree;
* ``smooth_3``: the best of the criterion averaged over each count and its two neighbours;
* ``medoid_of_8``: the count of ``mean_of_8``, then of the 8 trees' partitions at that count
  the one with the highest mean adjusted Rand index to the others;
* ``ward_base``: base clusters cut from Ward's tree on the units (no k-means, no seed);
* ``default``: the best criterion over the default tree, whose base k-means keeps the best of
  ``clustering.n_init`` (10) starts.

Usage: ``python experiments/count_rule_stability.py [--seeds 42,0,1] [--out FILE]``. Set
``TOPICBRIDGE_CACHE`` to an empty folder for embeddings computed afresh. Prints a table and
writes ``experiments/results/count_rule_stability.json``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "experiments"))

from defaults import CORPORA  # noqa: E402
from results_file import write_results  # noqa: E402
from toolkit.config import config_from_dict  # noqa: E402
from toolkit.corpus import load_corpus  # noqa: E402
from toolkit.embedding import get_embedder  # noqa: E402
from toolkit.experiment import embed_corpus, package_versions  # noqa: E402
from toolkit.topics import tree as T  # noqa: E402
from toolkit.topics.reduce import reduce_embeddings  # noqa: E402

RESULTS = ROOT / "experiments" / "results" / "count_rule_stability.json"
PRECISIONS = ("float32", "bfloat16")
FITS = 8


def rules(X: np.ndarray, seed: int, c) -> dict[str, np.ndarray]:
    """Labels of every unit under each rule."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.metrics import adjusted_rand_score

    def build(s: int, n_init: int = 1) -> T.TopicTree:
        return T.build_tree(X, base_size=c.base_size, min_clusters=c.min_clusters, max_clusters=c.max_clusters,
                            min_size=c.min_size, sample=c.tree_sample, random_state=s, n_init=n_init)

    trees = [build(seed + r) for r in range(FITS)]
    first = trees[0]
    ks = sorted(first.scores)
    out = {"one_start": first.labels(first.best_count())}
    dist = T.centroid_distances(first.centroids)
    w = first.sizes.astype(np.float64)
    stats = {}
    for k in ks:
        s = T.centroid_silhouette_values(dist, first.sizes, first.cut(k))
        mean = float((s * w).sum() / w.sum())
        stats[k] = (mean, float(np.sqrt(((w * (s - mean)) ** 2).sum()) / w.sum()))
    best = max(ks, key=lambda k: (stats[k][0], -k))
    out["one_se"] = first.labels(min(k for k in ks if stats[k][0] >= stats[best][0] - stats[best][1]))
    curve = np.array([[t.scores[k] for k in ks] for t in trees]).mean(0)
    k_mean = ks[int(np.argmax(curve))]
    out["mean_of_8"] = first.labels(k_mean)
    own = np.array([first.scores[k] for k in ks])
    smooth = np.array([own[max(0, i - 1):i + 2].mean() for i in range(len(ks))])
    out["smooth_3"] = first.labels(ks[int(np.argmax(smooth))])
    parts = [t.labels(k_mean) for t in trees]
    agree = [sum(adjusted_rand_score(p, q) for j, q in enumerate(parts) if j != i) for i, p in enumerate(parts)]
    out["medoid_of_8"] = parts[int(np.argmax(agree))]
    m = max(2, X.shape[0] // c.base_size)
    ward = T.tree_from_base(X, AgglomerativeClustering(n_clusters=m, linkage="ward").fit(X).labels_,
                            min_clusters=c.min_clusters, max_clusters=c.max_clusters, min_size=c.min_size)
    out["ward_base"] = ward.labels(ward.best_count())
    default = build(seed, n_init=c.n_init)
    out["default"] = default.labels(default.best_count())
    return out


def main() -> int:
    from sklearn.metrics import normalized_mutual_info_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="42,0,1")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    seeds = [int(s) for s in args.seeds.split(",")]
    rows: list[dict] = []
    for name, path in CORPORA.items():
        per_precision: dict[str, np.ndarray] = {}
        for precision in PRECISIONS:
            config = config_from_dict({"corpus": {"path": str(path), "format": "jsonl", "unit": "document"},
                                       "embedding": {"precision": precision}})
            corpus = load_corpus(config.corpus)
            labels = [s.label for s in corpus.segments]
            per_precision[precision], _ = embed_corpus(
                corpus.texts, get_embedder(config.embedding.model, precision=precision), config)
        u, c = config.umap, config.clustering
        for seed in seeds:
            labelled: dict[str, dict[str, np.ndarray]] = {}
            for precision, vectors in per_precision.items():
                X = np.asarray(reduce_embeddings(vectors, n_components=u.n_components, n_neighbors=u.n_neighbors,
                                                 min_dist=u.min_dist, metric=u.metric, seed=seed), dtype=np.float64)
                labelled[precision] = rules(X, seed, c)
            for rule in labelled["float32"]:
                row = {"corpus": name, "seed": seed, "rule": rule}
                for precision in PRECISIONS:
                    lab = labelled[precision][rule]
                    row[f"{precision}_topics"] = int(np.unique(lab).size)
                    row[f"{precision}_nmi"] = round(float(normalized_mutual_info_score(labels, lab)), 4)
                row["difference"] = round(row["bfloat16_nmi"] - row["float32_nmi"], 4)
                rows.append(row)
                print(f"{name:<22} seed {seed:<3} {rule:<17} topics {row['float32_topics']:>3}/{row['bfloat16_topics']:<3} "
                      f"NMI {row['float32_nmi']:.3f}/{row['bfloat16_nmi']:.3f} {row['difference']:+.3f}", flush=True)
    summary = []
    for rule in dict.fromkeys(r["rule"] for r in rows):
        mine = [r for r in rows if r["rule"] == rule]
        summary.append({"rule": rule, "max_abs_difference": max(abs(r["difference"]) for r in mine),
                        "within_0.01": sum(abs(r["difference"]) <= 0.01 for r in mine), "cases": len(mine),
                        "mean_nmi_float32": {n: round(float(np.mean([r["float32_nmi"] for r in mine if r["corpus"] == n])), 4)
                                             for n in CORPORA}})
    lines = ["| rule | cases within 0.01 | largest NMI difference | mean NMI float32, " + ", ".join(CORPORA) + " |",
             "| --- | ---: | ---: | --- |"]
    lines += [f"| `{s['rule']}` | {s['within_0.01']} of {s['cases']} | {s['max_abs_difference']:.3f} | "
              + ", ".join(f"{v:.3f}" for v in s["mean_nmi_float32"].values()) + " |" for s in summary]
    table = "\n".join(lines)
    print(table)
    write_results(args.out, {"command": "python experiments/count_rule_stability.py --seeds " + args.seeds,
                            "packages": package_versions(), "rows": rows, "summary": summary, "table": table})
    return 0


if __name__ == "__main__":
    sys.exit(main())
