"""Named themes per unit against gold labels and a human coder; prints a table, writes JSON.

* SIB-200 ru+de+zh (3,012 sentences) and SIB-200 en (1,004), configs/sib200.yaml with only the
  seven category names as ``themes.names``: unit-level accuracy (no theme counts as wrong),
  coverage and each theme's precision, beside the topic-level ``match`` (each unit inherits
  the theme whose name is closest to its topic's centroid) measured on the same fit;
* the seeds, configs/seeds.yaml, scored against the hand coding in tests/data/seeds_coding.csv
  (``topicbridge themes score``): per-theme precision and recall, accuracy, kappa.

    python experiments/themes_benchmark.py            # writes experiments/results/themes.json
    python experiments/themes_benchmark.py --seeds 42 0 1 --precision float32 bfloat16 --out X.json
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "experiments"))

from results_file import write_results  # noqa: E402

from toolkit.config import apply_overrides, config_from_dict, load_config_dict  # noqa: E402
from toolkit.experiment import run_experiment  # noqa: E402
from toolkit.topics.themes import match_themes, segment_themes, theme_accuracy  # noqa: E402
from toolkit.validation import score_coding  # noqa: E402

SIB_LABELS = ["science/technology", "travel", "politics", "sports", "health", "entertainment", "geography"]


def _config(path: Path, overrides: list[str]):
    return config_from_dict(apply_overrides(load_config_dict(path), overrides))


def sib_row(corpus: str, mode: str, seed: int, out: Path, precision: str = "auto") -> dict:
    names = "themes.names=[" + ", ".join(SIB_LABELS) + "]"
    cfg = _config(ROOT / "configs" / "sib200.yaml", [f"corpus.path={corpus}", names, f"themes.mode={mode}",
                                                     f"seed={seed}", f"output.dir={out}", "output.map=false",
                                                     "model.save=false", f"embedding.precision={precision}"])
    start = time.perf_counter()
    run = run_experiment(cfg)
    labels = [s.label for s in run.corpus.segments]
    units = run.result.unit_themes
    unit_labels = units.labels
    y = np.array([str(v) for v in labels])
    pred = np.array([v or "" for v in unit_labels])
    precision = {n: (float(np.mean(y[pred == n] == n)) if np.any(pred == n) else None) for n in SIB_LABELS}
    # The topic-level baseline on the same fit: each unit inherits its topic's closest theme name.
    matched, _ = match_themes(run.embeddings, run.result.topics, SIB_LABELS, run.model.theme_vectors_)
    topic_level = theme_accuracy(segment_themes(run.result.topics, matched), labels)
    # Ceilings on the same vectors, using the gold labels (what names alone cannot know): the
    # nearest of the seven true class centres, and a supervised logistic regression (5-fold).
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    X = run.embeddings / np.linalg.norm(run.embeddings, axis=1, keepdims=True)
    centres = np.stack([X[y == n].mean(axis=0) for n in SIB_LABELS])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    oracle_centres = float(np.mean(np.array(SIB_LABELS)[(X @ centres.T).argmax(axis=1)] == y))
    supervised = float(np.mean(cross_val_predict(LogisticRegression(max_iter=2000, C=10.0), X, y, cv=5) == y))
    return {"corpus": Path(corpus).stem, "mode": mode, "seed": seed, "units": len(labels), "precision": precision,
            "unit_accuracy": theme_accuracy(unit_labels, labels), "coverage": float(np.mean(pred != "")),
            "min_precision": min(v for v in precision.values() if v is not None), "precision": precision,
            "topic_match_accuracy": topic_level, "n_topics": run.metrics.get("n_topics"),
            "ceiling_gold_centres": oracle_centres, "ceiling_supervised_5fold": supervised,
            "time_s": round(time.perf_counter() - start, 1)}


def seeds_row(out: Path) -> dict:
    cfg = _config(ROOT / "configs" / "seeds.yaml", [f"output.dir={out}"])
    run = run_experiment(cfg)
    scores = score_coding(run.path, ROOT / "tests" / "data" / "seeds_coding.csv")
    prev = {}
    for line in (run.path / "themes.csv").read_text(encoding="utf-8").splitlines()[1:]:
        scope, _, theme, units, total, share, low, high = line.split(",")
        if scope == "all":
            prev[theme] = {"units": int(units), "share": float(share), "low": float(low), "high": float(high)}
    return {"accuracy": scores["accuracy"], "kappa": scores["kappa"], "per_theme": scores["per_theme"],
            "prevalence": prev}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42])
    parser.add_argument("--out", type=Path, default=ROOT / "experiments" / "results" / "themes.json")
    parser.add_argument("--precision", nargs="+", default=["auto"], choices=["auto", "float32", "bfloat16"],
                        help="embedding.precision values to run (each a row); the seeds use the first")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="themes-bench-") as tmp:
        for corpus in ("experiments/data/sib200/ru_de_zh.jsonl", "experiments/data/sib200/en.jsonl"):
            for mode, seed, precision in ((m, s, p) for m in ("match", "guided") for s in args.seeds
                                      for p in args.precision):
                r = sib_row(str(ROOT / corpus), mode, seed, Path(tmp) / "runs", precision)
                rows.append(r)
                print(f"{r['corpus']:9s} {mode:7s} seed {seed} {precision}: unit accuracy {r['unit_accuracy']:.3f} "
                      f"(coverage {r['coverage']:.3f}, min precision {r['min_precision']:.2f}) | topic-level "
                      f"match {r['topic_match_accuracy']:.3f} | ceilings: gold centres "
                      f"{r['ceiling_gold_centres']:.3f}, supervised {r['ceiling_supervised_5fold']:.3f} | "
                      f"{r['n_topics']} topics, {r['time_s']} s",
                      flush=True)
        seeds = seeds_row(Path(tmp) / "runs")
    print(f"\nseeds vs hand coding: accuracy {seeds['accuracy']:.3f}, kappa {seeds['kappa']:.3f}")
    print(f"{'theme':46s} {'prec':>5} {'rec':>5} {'coded':>5}  prevalence [95% CI]")
    for name, v in seeds["per_theme"].items():
        p = seeds["prevalence"][name]

        def f(x):
            return "  n/a" if x is None else f"{x:5.2f}"
        print(f"{name:46s} {f(v['precision'])} {f(v['recall'])} {v['coded']:5d}  "
              f"{100 * p['share']:.1f}% [{100 * p['low']:.1f}-{100 * p['high']:.1f}]")
    p = seeds["prevalence"]["none"]
    print(f"{'none':46s} {'':5} {'':5} {'':5}  {100 * p['share']:.1f}% [{100 * p['low']:.1f}-{100 * p['high']:.1f}]")
    write_results(args.out, {"sib200": rows, "seeds": seeds})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
