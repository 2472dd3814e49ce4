"""Why the topic tree scores base-cluster centroids, not units: both criteria over the same cuts.

On SIB-200 ru+de+zh (three translations of every sentence) and eng_14 (English only): one
embedding with the default model, the default UMAP reduction, one topic tree (the defaults),
then for a grid of topic counts the two scores of the same cut:

* ``unit silhouette``: scikit-learn's silhouette of the units (a seeded sample of 2,000);
* ``centroid criterion``: the default criterion, the size-weighted silhouette of the
  base-cluster centroids (``toolkit.topics.tree.centroid_silhouette``);

and the NMI of each cut with the gold labels. The count each criterion would pick is its best
over every count from 5 to one topic per 15 units.

Usage: ``python experiments/defaults_criterion.py``. Prints a table and writes
``experiments/results/defaults_criterion.json``.
"""

from __future__ import annotations

import platform
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.metrics import normalized_mutual_info_score, silhouette_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "experiments"))

from defaults import CORPORA  # noqa: E402
from results_file import write_results  # noqa: E402
from toolkit.config import config_from_dict  # noqa: E402
from toolkit.corpus import load_corpus  # noqa: E402
from toolkit.embedding import get_embedder  # noqa: E402
from toolkit.experiment import embed_corpus, package_versions  # noqa: E402
from toolkit.topics.reduce import reduce_embeddings  # noqa: E402
from toolkit.topics.tree import build_tree  # noqa: E402

RESULTS = ROOT / "experiments" / "results" / "defaults_criterion.json"
SHOWN = (5, 7, 9, 12, 14, 16, 20, 30, 50, 75, 100, 150, 200)


def main() -> int:
    warnings.filterwarnings("ignore")
    rows, picks = [], []
    for name, path in CORPORA.items():
        config = config_from_dict({"corpus": {"path": str(path), "format": "jsonl", "unit": "document"}})
        corpus = load_corpus(config.corpus)
        embeddings, _ = embed_corpus(corpus.texts, get_embedder(config.embedding.model), config)
        reduced = reduce_embeddings(embeddings, n_components=config.umap.n_components,
                                    n_neighbors=config.umap.n_neighbors, seed=config.seed)
        c = config.clustering
        tree = build_tree(reduced, base_size=c.base_size, min_clusters=c.min_clusters, max_clusters=c.max_clusters,
                          min_size=c.min_size, sample=c.tree_sample, random_state=config.seed)
        labels = [s.label for s in corpus.segments]
        rng = np.random.default_rng(config.seed)
        sample = rng.choice(len(labels), size=min(2000, len(labels)), replace=False)
        unit = {}
        for k in sorted(tree.scores):
            cut = tree.labels(k)
            unit[k] = float(silhouette_score(reduced[sample], cut[sample]))
            if k in SHOWN:
                rows.append({"corpus": name, "topics": k, "unit_silhouette": round(unit[k], 3),
                             "centroid_criterion": tree.scores[k],
                             "nmi": round(float(normalized_mutual_info_score(labels, cut)), 3)})
        best_unit = max(unit, key=lambda k: (unit[k], -k))
        picks.append({"corpus": name, "centroid_criterion_pick": tree.best_count(), "unit_silhouette_pick": best_unit,
                      "nmi_at_centroid_pick": round(float(normalized_mutual_info_score(labels, tree.labels(tree.best_count()))), 3),
                      "nmi_at_unit_pick": round(float(normalized_mutual_info_score(labels, tree.labels(best_unit))), 3),
                      "counts_scored": f"{min(tree.scores)}..{max(tree.scores)}"})
    lines = ["| corpus | topics | unit silhouette | centroid criterion | NMI |", "| --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {r['corpus']} | {r['topics']} | {r['unit_silhouette']:.3f} | {r['centroid_criterion']:.3f} | "
              f"{r['nmi']:.3f} |" for r in rows]
    lines += ["", "| corpus | counts scored | pick by centroids (NMI) | pick by unit silhouette (NMI) |",
              "| --- | --- | ---: | ---: |"]
    lines += [f"| {p['corpus']} | {p['counts_scored']} | {p['centroid_criterion_pick']} ({p['nmi_at_centroid_pick']:.3f}) | "
              f"{p['unit_silhouette_pick']} ({p['nmi_at_unit_pick']:.3f}) |" for p in picks]
    text = "\n".join(lines)
    print(text)
    write_results(RESULTS, {"command": "python experiments/defaults_criterion.py", "python": platform.python_version(),
                            "packages": package_versions(), "rows": rows, "picks": picks, "table": text})
    return 0


if __name__ == "__main__":
    sys.exit(main())
