"""Does the topic count follow a corpus with many subjects? Synthetic corpora of 50, 100 and 200 subjects.

No corpus with 50 to 200 labelled subjects ships here, so this builds embedding-like ones: for
``K`` subjects, ``K`` random unit directions in 512 dimensions (the default embedder's size),
each unit its subject's direction plus Gaussian noise, normalised. Two settings per ``K``:
``even`` (30 units per subject, a unit's cosine to its own centre about 0.5) and ``uneven``
(10 to 120 units per subject, log-uniform, as real subjects are; cosine to the own centre
about 0.3, so neighbouring subjects overlap in the reduction).
Every corpus is reduced once with the default UMAP settings and then clustered, in the same
run, by

* ``defaults``: the default topic tree (``clustering.method: hierarchy``, ``n_clusters: auto``);
* ``old sib200.yaml``: k-means, the smallest count within 5% of the best silhouette, 5 to 30;
* ``plain BERTopic``: HDBSCAN ``min_cluster_size`` 10 on UMAP 15 neighbours (BERTopic's defaults).

Figures: topics found, NMI with the subjects (outliers count as one more cluster), outlier
share, clustering seconds. Usage::

    python experiments/defaults_many_subjects.py [--subjects 50,100,200]

Prints a table and writes ``experiments/results/defaults_many_subjects.json``.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "experiments"))

from results_file import write_results  # noqa: E402
from toolkit.experiment import package_versions  # noqa: E402
from toolkit.topics.clusterers import HdbscanClusterer, KMeansClusterer  # noqa: E402
from toolkit.topics.tree_clusterer import TreeClusterer  # noqa: E402
from toolkit.topics.reduce import reduce_embeddings  # noqa: E402

RESULTS = ROOT / "experiments" / "results" / "defaults_many_subjects.json"
DIM, PER_SUBJECT, SEED = 512, 30, 42


SETTINGS = {"even": 3.0, "uneven": 10.0}  # squared noise length: cosine to the own centre 1/sqrt(1 + this)


def corpus(k: int, seed: int, setting: str = "even") -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, DIM))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    if setting == "even":
        sizes = np.full(k, PER_SUBJECT)
    else:
        sizes = np.round(np.exp(rng.uniform(np.log(10), np.log(120), size=k))).astype(int)
    y = np.repeat(np.arange(k), sizes)
    noise = rng.normal(scale=np.sqrt(SETTINGS[setting] / DIM), size=(y.size, DIM))
    X = centres[y] + noise
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32), y


def score(y: np.ndarray, labels: np.ndarray, seconds: float) -> dict:
    return {"topics": int(np.unique(labels[labels >= 0]).size), "nmi": round(float(normalized_mutual_info_score(y, labels)), 3),
            "outliers": round(float(np.mean(labels < 0)), 3), "seconds": round(seconds, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subjects", default="50,100,200")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    rows = []
    for setting, k in [(st, int(x)) for st in SETTINGS for x in args.subjects.split(",") if x.strip()]:
        X, y = corpus(k, SEED, setting)
        r30 = reduce_embeddings(X, n_components=5, n_neighbors=30, seed=SEED)
        r15 = reduce_embeddings(X, n_components=5, n_neighbors=15, seed=SEED)
        runs = {
            "defaults (topic tree)": lambda: TreeClusterer(random_state=SEED).fit(r30).labels_,
            "old sib200.yaml (k-means auto, 5..30)": lambda: KMeansClusterer(random_state=SEED).fit(r30).labels_,
            "plain BERTopic (HDBSCAN 10, UMAP 15)": lambda: HdbscanClusterer(
                min_cluster_size=10, metric="euclidean").fit(r15).labels_,
        }
        for name, fit in runs.items():
            start = time.perf_counter()
            labels = np.asarray(fit())
            rec = {"subjects": k, "setting": setting, "units": int(y.size), "row": name,
                   **score(y, labels, time.perf_counter() - start)}
            rows.append(rec)
            print(f"{k:4d} subjects {setting:6s} {name:40s} topics {rec['topics']:4d}  NMI {rec['nmi']:.3f}  "
                  f"outliers {rec['outliers']:.1%}  {rec['seconds']:.1f}s", flush=True)
    lines = ["| subjects | sizes | units | row | topics | NMI | outliers | seconds |",
             "| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['subjects']} | {r['setting']} | {r['units']} | {r['row']} | {r['topics']} | {r['nmi']:.3f} | "
              f"{r['outliers']:.1%} | {r['seconds']:.1f} |" for r in rows]
    text = "\n".join(lines)
    print()
    print(text)
    write_results(args.out, {"command": "python experiments/defaults_many_subjects.py --subjects " + args.subjects,
                             "python": platform.python_version(), "packages": package_versions(),
                             "rows": rows, "table": text})
    return 0


if __name__ == "__main__":
    sys.exit(main())
