"""How the pipeline scales: end-to-end time and peak memory per stage at 10k and 100k segments.

Corpora are built by recombining the vendored SIB-200 sentences (ru + de + zh, 3,012
sentences, 7 topic labels): each segment joins 1-3 different random sentences of one
language and one label (seeded; every text distinct), so the gold labels stay meaningful.
Each size runs in its own fresh process with a cold, private embedding cache, through the
whole pipeline of ``configs/sib200.yaml`` (corpus, embed, reduce, topics, map, evaluate,
write, report) via :func:`toolkit.experiment.run_experiment`.

Memory is the resident set size (RSS) of the process as the kernel counts it: at each
stage boundary the script reads ``VmHWM`` (peak RSS) from ``/proc/self/status`` and resets
it by writing ``5`` to ``/proc/self/clear_refs``, so each stage's peak is exact, not sampled.
Stage boundaries come from thin wrappers around the functions ``run_experiment`` calls
(``load_corpus``, ``embed_corpus``, ``reduce_embeddings``, ``fit_topics``, ``evaluate_run``,
``write_run_files``, ``write_report``); the manifest's own timings are kept alongside.

Prints a table and writes ``experiments/results/scale.json``.

    python experiments/scale.py                          # 10k and 100k (100k takes long)
    python experiments/scale.py --sizes 2000 --threads 1 # a quick check
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIB = HERE / "data" / "sib200" / "ru_de_zh.jsonl"
BASE_CONFIG = ROOT / "configs" / "sib200.yaml"
LIMIT_GB = 8.0
STAGES = ("load_model", "corpus", "embed", "align", "reduce", "topics", "map", "evaluate", "write", "report")


# ------------------------------------------------------------------------ building corpora


def build_corpus(n: int, path: Path, seed: int = 0) -> dict[str, Any]:
    """Write ``n`` distinct segments recombined from SIB-200 sentences to a JSONL file."""
    pools: dict[tuple[str, str], list[str]] = defaultdict(list)
    with SIB.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            pools[(row["lang"], row["label"])].append(row["text"])
    keys = sorted(pools)
    weights = [len(pools[k]) for k in keys]
    rng = random.Random(seed)
    seen: set[str] = set()
    counts = defaultdict(int)
    start = time.perf_counter()
    with path.open("w", encoding="utf-8") as out:
        i = 0
        while i < n:
            lang, label = rng.choices(keys, weights)[0]
            k = rng.choice((1, 2, 2, 3))
            parts = rng.sample(pools[(lang, label)], k)
            text = ("" if lang == "zh" else " ").join(parts)
            if text in seen:
                continue
            seen.add(text)
            counts[lang] += 1
            out.write(json.dumps({"id": f"s{i:06d}", "text": text, "lang": lang, "label": label},
                                 ensure_ascii=False) + "\n")
            i += 1
    return {"segments": n, "languages": dict(sorted(counts.items())), "mb": round(path.stat().st_size / 1e6, 1),
            "seconds": round(time.perf_counter() - start, 2)}


# ---------------------------------------------------------------------- memory measurement


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


class Meter:
    """Exact peak RSS and wall time per stage, by resetting the kernel's high-water mark."""

    def __init__(self) -> None:
        self.stages: dict[str, dict[str, float]] = {}
        self.resets = _reset_peak()
        self.overall_peak_kb = _status_kb("VmHWM")  # imports and set-up so far
        self._between_peak_kb = 0

    def _close_interval(self) -> int:
        peak = _status_kb("VmHWM")
        self.overall_peak_kb = max(self.overall_peak_kb, peak)
        if self.resets:
            _reset_peak()
        return peak

    def wrap(self, fn: Callable, name: str | Callable[..., str]) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            stage = name(*args, **kwargs) if callable(name) else name
            self._between_peak_kb = max(self._between_peak_kb, self._close_interval())
            rss_start = _status_kb("VmRSS")
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                seconds = time.perf_counter() - start
                peak = self._close_interval()
                rec = self.stages.setdefault(stage, {"seconds": 0.0, "peak_mb": 0.0, "rss_start_mb": rss_start / 1024})
                rec["seconds"] = round(rec["seconds"] + seconds, 2)
                rec["peak_mb"] = round(max(rec["peak_mb"], peak / 1024), 1)
                rec["rss_end_mb"] = round(_status_kb("VmRSS") / 1024, 1)
                rec["rss_start_mb"] = round(rec["rss_start_mb"], 1)
        return wrapper

    def finish(self) -> dict[str, Any]:
        self._between_peak_kb = max(self._between_peak_kb, self._close_interval())
        return {"stages": self.stages, "outside_stages_peak_mb": round(self._between_peak_kb / 1024, 1),
                "peak_mb": round(self.overall_peak_kb / 1024, 1), "exact_per_stage": self.resets}


def instrument(meter: Meter) -> None:
    """Wrap the functions run_experiment calls so that each stage is measured."""
    import toolkit.evaluate
    import toolkit.experiment
    import toolkit.report
    import toolkit.run_files
    import toolkit.topics

    toolkit.experiment.get_embedder = meter.wrap(toolkit.experiment.get_embedder, "load_model")
    toolkit.experiment.load_corpus = meter.wrap(toolkit.experiment.load_corpus, "corpus")
    toolkit.experiment.embed_corpus = meter.wrap(toolkit.experiment.embed_corpus, "embed")
    if hasattr(toolkit.experiment, "align_corpus"):
        toolkit.experiment.align_corpus = meter.wrap(toolkit.experiment.align_corpus, "align")
    toolkit.topics.reduce_embeddings = meter.wrap(
        toolkit.topics.reduce_embeddings, lambda *a, **kw: "map" if kw.get("n_components") == 2 else "reduce")
    toolkit.topics.fit_topics = meter.wrap(toolkit.topics.fit_topics, "topics")
    toolkit.evaluate.evaluate_run = meter.wrap(toolkit.evaluate.evaluate_run, "evaluate")
    toolkit.run_files.write_run_files = meter.wrap(toolkit.run_files.write_run_files, "write")
    toolkit.report.write_report = meter.wrap(toolkit.report.write_report, "report")


# ------------------------------------------------------------------------------ one size


def worker(corpus: Path, result: Path, threads: int | None, cache: Path) -> int:
    """Run the pipeline once on ``corpus`` (in this fresh process) and write the measurements."""
    os.environ["TOPICBRIDGE_CACHE"] = str(cache)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    t0 = time.perf_counter()
    meter = Meter()
    import toolkit.experiment  # noqa: F401  (imports count as set-up, not as a stage)
    from toolkit.config import load_config

    instrument(meter)
    import_seconds = time.perf_counter() - t0
    overrides = [f"corpus.path={corpus}", "corpus.format=jsonl", "corpus.unit=document",
                 f"name=scale-{corpus.stem}", f"output.dir={corpus.parent}"]
    if threads:
        overrides.append(f"embedding.threads={threads}")
    config = load_config(BASE_CONFIG, overrides)
    run_dir = corpus.parent / f"run-{corpus.stem}"
    from toolkit.experiment import run_experiment

    start = time.perf_counter()
    outcome = run_experiment(config, out=run_dir)
    wall = time.perf_counter() - start
    mem = meter.finish()
    m = outcome.metrics
    html = run_dir / "report.html"
    cfg = outcome.config
    data = {
        "segments": len(outcome.corpus.segments),
        "config": {"umap": cfg.umap.model_dump(), "clustering": getattr(cfg, "clustering", cfg.hdbscan).model_dump(),
                   "embedding": cfg.embedding.model_dump(), "map": cfg.output.map},
        "run_seconds": round(wall, 2),
        "import_seconds": round(import_seconds, 2),
        "memory": mem,
        "manifest_timings": outcome.manifest["timings"],
        "cache": outcome.manifest["cache"],
        "n_topics": m.get("n_topics"), "outlier_share": m.get("outlier_share"), "nmi": m.get("nmi"),
        "nmi_language": m.get("nmi_language"),
        "report_html_mb": round(html.stat().st_size / 1e6, 2),
        "run_dir_mb": round(sum(p.stat().st_size for p in run_dir.rglob("*") if p.is_file()) / 1e6, 1),
    }
    result.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return 0


# ----------------------------------------------------------------------------- the driver


def _fmt_s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:.1f}" if x < 100 else f"{x:.0f}"


def table(results: list[dict[str, Any]]) -> str:
    header = ["stage"]
    for r in results:
        size = f"{r['segments'] / 1000:g}k"
        header += [f"{size} s", f"{size} peak MB"]
    if len(results) >= 2:
        header.append(f"time x ({results[-1]['segments'] / results[0]['segments']:g}x data)")
    rows = []
    for stage in STAGES:
        row = [stage]
        for r in results:
            rec = r["memory"]["stages"].get(stage, {})
            row += [_fmt_s(r["manifest_timings"].get(stage)), f"{rec.get('peak_mb', 0):.0f}" if rec else "–"]
        if len(results) >= 2:
            a, b = results[0]["manifest_timings"].get(stage), results[-1]["manifest_timings"].get(stage)
            row.append(f"{b / a:.0f}" if a and b and a > 0.05 else "–")
        rows.append(row)
    total = ["end to end"]
    for r in results:
        total += [_fmt_s(r["run_seconds"]), f"{r['memory']['peak_mb']:.0f}"]
    if len(results) >= 2:
        total.append(f"{results[-1]['run_seconds'] / results[0]['run_seconds']:.0f}")
    rows.append(total)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--threads", type=int, default=None,
                        help="embedding.threads (default: the cores available)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep corpora, runs and caches here (default: a temporary folder, removed)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "scale.json")
    parser.add_argument("--worker", nargs=3, metavar=("CORPUS", "RESULT", "CACHE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        corpus, result, cache = (Path(p) for p in args.worker)
        return worker(corpus, result, args.threads, cache)

    os.chdir(ROOT)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="tb-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    results, built = [], {}
    load_before = os.getloadavg()
    try:
        for n in sorted(args.sizes):
            corpus = work / f"n{n}.jsonl"
            built[n] = build_corpus(n, corpus, seed=n)
            print(f"{n} segments: corpus built in {built[n]['seconds']} s ({built[n]['mb']} MB); running ...",
                  file=sys.stderr, flush=True)
            cache = work / f"cache-{n}"
            shutil.rmtree(cache, ignore_errors=True)  # cold and private for every size
            result = work / f"result-{n}.json"
            cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(corpus), str(result), str(cache)]
            if args.threads:
                cmd += ["--threads", str(args.threads)]
            start = time.perf_counter()
            proc = subprocess.run(cmd, check=False)
            wall = time.perf_counter() - start
            if proc.returncode != 0:
                print(f"{n} segments: the run failed (exit {proc.returncode})", file=sys.stderr)
                return 1
            data = json.loads(result.read_text(encoding="utf-8"))
            data["process_seconds"] = round(wall, 2)
            data["corpus"] = built[n]
            results.append(data)
            print(f"  done in {wall:.0f} s, peak {data['memory']['peak_mb']:.0f} MB", file=sys.stderr, flush=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)

    text = table(results)
    print(text)
    growth = {}
    if len(results) >= 2:
        a, b = results[0], results[-1]
        factor = b["segments"] / a["segments"]
        for stage in STAGES:
            ta, tb = a["manifest_timings"].get(stage), b["manifest_timings"].get(stage)
            if ta and tb and ta > 0.05:
                growth[stage] = {"time_ratio": round(tb / ta, 1),
                                 "exponent": round(math.log(tb / ta) / math.log(factor), 2)}
    out = {
        "experiment": "scale",
        "command": "python experiments/scale.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "config": "configs/sib200.yaml (corpus.unit=document)",
        "memory_method": "peak RSS per stage: /proc/self/status VmHWM read and reset (clear_refs=5) at "
                         "each stage boundary",
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
        "embedding_threads": args.threads,
        "limit_gb": LIMIT_GB,
        "results": results,
        "growth": growth,
        "checks": {f"{r['segments']}_peak_under_{LIMIT_GB:g}_gb": r["memory"]["peak_mb"] / 1024 < LIMIT_GB
                   for r in results},
        "table_markdown": text,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if all(out["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
