"""What the cache saves in a sweep: 4 HDBSCAN settings x 3 seeds on SIB-200 ru+de+zh.

Runs, in one process and on the same machine state:

1. ``configs/sweep-min-cluster-size.yaml`` (hdbscan.min_cluster_size 10/15/25/40 x seeds
   0/1/2 over the sib200 settings) with a cold, private cache, and counts from the points'
   manifests how often embeddings and UMAP were computed;
2. 12 independent plain-BERTopic fits of the same grid (BERTopic defaults: UMAP 15
   neighbours / 5 dims, CountVectorizer; our USE embedder wrapped as BERTopic's backend,
   loaded once, so every fit embeds and reduces anew, as a user without our cache would);
3. one more run of a sweep point's config with the now warm cache, to compare its
   manifest's embedding time with the cold run's.

Before timing, UMAP and HDBSCAN are warmed up on random data so that neither side pays
numba's one-off compilation. Prints a table and writes ``experiments/results/sweep_cache.json``.

    python experiments/sweep_cache.py                  # the full benchmark (several minutes)
    python experiments/sweep_cache.py --limit 300      # quick check on the first 300 sentences
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from results_file import write_results  # experiments/, the script's folder

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SWEEP_CONFIG = ROOT / "configs" / "sweep-min-cluster-size.yaml"
REQUIRED_SPEEDUP = 3.0
REQUIRED_EMBED_RATIO = 0.10


def warm_up() -> float:
    """Compile UMAP's and HDBSCAN's numba code and import BERTopic once, outside the timings."""
    start = time.perf_counter()
    import bertopic  # noqa: F401
    from hdbscan import HDBSCAN
    from umap import UMAP

    x = np.random.default_rng(0).normal(size=(300, 32)).astype(np.float32)
    for k in (2, 5):  # both nearest-neighbour paths: exact (small data) and NN-descent
        for approximate in (False, True):
            UMAP(n_neighbors=15, n_components=k, min_dist=0.0, metric="cosine", random_state=0,
                 low_memory=True, force_approximation_algorithm=approximate).fit_transform(x)
    HDBSCAN(min_cluster_size=10, prediction_data=True).fit(x[:, :5])
    return time.perf_counter() - start


def run_cached_sweep(out: Path, overrides: list[str]) -> dict:
    """Run the shipped sweep config; return wall time and what the manifests say."""
    from toolkit.sweep import run_sweep

    start = time.perf_counter()
    outcome = run_sweep(SWEEP_CONFIG, overrides, out=out)
    wall = time.perf_counter() - start
    manifests = [p.manifest for p in outcome.points if p.ok]
    stages: dict[str, float] = {}
    for m in manifests:
        for stage, seconds in m.get("timings", {}).items():
            stages[stage] = round(stages.get(stage, 0.0) + seconds, 2)
    emb = [m["cache"]["embeddings"] for m in manifests]
    return {
        "points": len(outcome.points),
        "failed": [p.name for p in outcome.failed],
        "wall_seconds": round(wall, 2),
        "texts_per_point": emb[0]["hits"] + emb[0]["misses"] if emb else None,
        "embeddings_computed": sum(e["computed"] for e in emb),
        "points_that_embedded": sum(e["computed"] > 0 for e in emb),
        "umap_computed": sum(m["cache"].get("umap") == "miss" for m in manifests),
        "map2d_computed": sum(m["cache"].get("map2d") == "miss" for m in manifests),
        "seeds": sorted({m["seed"] for m in manifests}),
        "stage_seconds_summed": stages,
        "first_point": {"name": outcome.points[0].name, "timings": manifests[0]["timings"]} if manifests else None,
        "cells": [{"cell": c["cell"], "n_topics_mean": c.get("n_topics_mean"),
                   "outlier_share_mean": c.get("outlier_share_mean"), "nmi_mean": c.get("nmi_mean"),
                   "ari_between_seeds": (c["stability"] or {}).get("ari_mean")} for c in outcome.cells],
        "sweep_folder": str(outcome.path),
    }


def run_plain_bertopic(texts: list[str], grid: list[int], seeds: list[int], threads: int | None) -> dict:
    """12 independent plain-BERTopic fits: each embeds and reduces the corpus anew."""
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from umap import UMAP

    from toolkit.embedding import get_embedder
    from toolkit.topics.model import EmbedderBackend

    embedder = get_embedder("use-multilingual", threads=threads)
    backend = EmbedderBackend(embedder)
    fits = []
    start = time.perf_counter()
    for size in grid:
        for seed in seeds:
            t0 = time.perf_counter()
            model = BERTopic(
                embedding_model=backend,
                umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine",
                                random_state=seed, low_memory=True),
                hdbscan_model=HDBSCAN(min_cluster_size=size, metric="euclidean",
                                      cluster_selection_method="eom", prediction_data=True),
                calculate_probabilities=False, verbose=False)
            topics, _ = model.fit_transform(texts)
            topics = np.asarray(topics)
            fits.append({"min_cluster_size": size, "seed": seed, "seconds": round(time.perf_counter() - t0, 2),
                         "n_topics": int(np.unique(topics[topics >= 0]).size),
                         "outlier_share": round(float(np.mean(topics == -1)), 4)})
    return {"fits": fits, "wall_seconds": round(time.perf_counter() - start, 2),
            "embeddings_computed": len(texts) * len(fits), "umap_computed": len(fits)}


def run_warm(overrides: list[str], out: Path) -> dict:
    """One more run of the first sweep point's config, cache now warm."""
    from toolkit.config import apply_overrides, load_config_dict
    from toolkit.experiment import run_experiment
    from toolkit.sweep import expand_sweep, point_config

    data = apply_overrides(load_config_dict(SWEEP_CONFIG), overrides)
    point = expand_sweep(data, str(SWEEP_CONFIG))[0]
    start = time.perf_counter()
    outcome = run_experiment(point_config(data, point, str(SWEEP_CONFIG)), out=out)
    return {"point": point.name, "wall_seconds": round(time.perf_counter() - start, 2),
            "timings": outcome.manifest["timings"], "cache": outcome.manifest["cache"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N sentences (quick check)")
    parser.add_argument("--threads", type=int, default=None,
                        help="encoder threads for both sides (embedding.threads); default: the cores available")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "sweep_cache.json")
    parser.add_argument("--keep", type=Path, default=None, help="keep the sweep folder here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.chdir(ROOT)  # the config's corpus path is relative to the repository

    overrides = [f"corpus.limit={args.limit}"] if args.limit else []
    if args.threads:
        overrides.append(f"embedding.threads={args.threads}")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="sweep-cache-") as tmp:
        tmp_path = Path(tmp)
        cache = tmp_path / "cache"  # cold and private
        os.environ["TOPICBRIDGE_CACHE"] = str(cache)
        warm_seconds = warm_up()
        print(f"warm-up (imports, numba compilation): {warm_seconds:.1f} s", file=sys.stderr)

        sweep_dir = args.keep or tmp_path / "sweep"
        print("sweep with a cold cache ...", file=sys.stderr)
        sweep = run_cached_sweep(sweep_dir, overrides)
        print(f"  {sweep['wall_seconds']} s", file=sys.stderr)

        from toolkit.config import apply_overrides, config_from_dict, load_config_dict
        from toolkit.corpus import load_corpus

        data = apply_overrides(load_config_dict(SWEEP_CONFIG), overrides)
        corpus = load_corpus(config_from_dict(data, str(SWEEP_CONFIG)).corpus)
        grid = list(data["sweep"]["grid"]["hdbscan.min_cluster_size"])
        seeds = list(data["sweep"]["seeds"])
        print(f"{len(grid) * len(seeds)} plain BERTopic fits ...", file=sys.stderr)
        plain = run_plain_bertopic(corpus.texts, grid, seeds, args.threads)
        print(f"  {plain['wall_seconds']} s", file=sys.stderr)

        print("warm-cache rerun of one config ...", file=sys.stderr)
        warm = run_warm(overrides, tmp_path / "warm-run")
        cold_embed = sweep["first_point"]["timings"]["embed"]
        warm_embed = warm["timings"]["embed"]
        if args.keep is None:
            shutil.rmtree(sweep_dir, ignore_errors=True)

    speedup = plain["wall_seconds"] / sweep["wall_seconds"]
    embed_ratio = warm_embed / cold_embed if cold_embed else None
    result = {
        "experiment": "sweep_cache",
        "corpus": {"path": "experiments/data/sib200/ru_de_zh.jsonl", "texts": len(corpus.texts),
                   "limit": args.limit},
        "command": "python experiments/sweep_cache.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "embedding_threads": args.threads,
        "grid": {"hdbscan.min_cluster_size": grid}, "seeds": seeds,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
        "warm_up_seconds": round(warm_seconds, 2),
        "sweep": sweep,
        "plain_bertopic": plain,
        "speedup": round(speedup, 2),
        "warm_rerun": {**warm, "cold_embed_seconds": cold_embed, "warm_embed_seconds": warm_embed,
                       "embed_ratio": round(embed_ratio, 4) if embed_ratio is not None else None},
        "checks": {
            "embeddings_computed_once": sweep["points_that_embedded"] == 1
            and sweep["embeddings_computed"] == len(set(corpus.texts)),
            "umap_once_per_seed": sweep["umap_computed"] == len(seeds),
            f"speedup_at_least_{REQUIRED_SPEEDUP:g}x": speedup >= REQUIRED_SPEEDUP,
            "warm_embed_under_10_percent": embed_ratio is not None and embed_ratio < REQUIRED_EMBED_RATIO,
            "no_failed_points": not sweep["failed"],
        },
    }
    n = len(plain["fits"])
    rows = [
        ("", "wall s", "embedded texts", "UMAP fits"),
        (f"topicbridge sweep, cold cache ({sweep['points']} points)", f"{sweep['wall_seconds']:.1f}",
         f"{sweep['embeddings_computed']} (in {sweep['points_that_embedded']} point)",
         f"{sweep['umap_computed']} (+{sweep['map2d_computed']} 2-D maps)"),
        (f"plain BERTopic x {n}", f"{plain['wall_seconds']:.1f}", f"{plain['embeddings_computed']}",
         f"{plain['umap_computed']}"),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    print(f"speed-up: {speedup:.1f}x (needs >= {REQUIRED_SPEEDUP:g}x)")
    print(f"sweep stage seconds, summed over points: {sweep['stage_seconds_summed']}")
    print(f"embedding time: cold {cold_embed:.2f} s, warm {warm_embed:.3f} s "
          f"({embed_ratio:.1%} of cold; needs < {REQUIRED_EMBED_RATIO:.0%})")
    print(f"checks: {result['checks']}")
    write_results(args.out, result, {"<tmp>": tempfile.gettempdir()})
    print(f"wrote {args.out}")
    return 0 if all(result["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
