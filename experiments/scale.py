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
Stage boundaries come from ``run_experiment(on_stage=...)``, which reports the start and end
of every timed stage (``corpus``, ``embed``, ``reduce``, ``topics``, ``map``, ``evaluate``,
``write``, ``report``, ...); the manifest's own timings are kept alongside.

Prints a table and writes ``experiments/results/scale.json``.

    python experiments/scale.py                          # 10k and 100k (100k takes long)
    python experiments/scale.py --sizes 2000 --threads 1 # a quick check

``--precision`` sets ``embedding.precision`` (default: the config's ``auto``); every result
records the precision that ran and why (the manifest's ``embedding`` entry).

With ``--backend ray`` the run uses ``execution.backend=ray`` (a private local Ray instance,
``--workers`` actors) and ``topics.fit_sample`` (``--fit-sample``, default 10% of the corpus):
UMAP and the clustering are fitted on the sample and the rest is assigned in chunks by Ray
actors. Ray's workers are separate processes, so memory is then *sampled*: every
``--interval`` seconds a thread sums the RSS of the driver and all its descendants (read from
``/proc``), every tenth sample and at stage boundaries also their PSS (shared pages such as
Ray's object store split between the processes that map them), and keeps the peak per stage. Results go to ``scale_ray.json``.

    python experiments/scale.py --backend ray --sizes 10000 100000 --threads 1 --workers 2
"""

from __future__ import annotations

import argparse
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
from typing import Any

from results_file import write_results  # experiments/, the script's folder

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIB = HERE / "data" / "sib200" / "ru_de_zh.jsonl"
BASE_CONFIG = ROOT / "configs" / "sib200.yaml"
LIMIT_GB = 8.0
STAGES = ("load_model", "corpus", "embed", "align", "reduce", "topics", "assign", "keywords", "map", "evaluate",
          "write", "report")
RAY_LIMIT_GB = 12.0
#: With --backend ray, Pss is read every PSS_EVERY-th memory sample (it is costly; see TreeMeter).
PSS_EVERY = 10


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

    def on_stage(self, name: str, started: bool) -> None:
        """Stage boundary from ``run_experiment(on_stage=...)``: close the interval, record the stage."""
        if started:
            self._between_peak_kb = max(self._between_peak_kb, self._close_interval())
            self._open = (_status_kb("VmRSS"), time.perf_counter())
            return
        rss_start, start = self._open
        seconds = time.perf_counter() - start
        peak = self._close_interval()
        rec = self.stages.setdefault(name, {"seconds": 0.0, "peak_mb": 0.0, "rss_start_mb": rss_start / 1024})
        rec["seconds"] = round(rec["seconds"] + seconds, 2)
        rec["peak_mb"] = round(max(rec["peak_mb"], peak / 1024), 1)
        rec["rss_end_mb"] = round(_status_kb("VmRSS") / 1024, 1)
        rec["rss_start_mb"] = round(rec["rss_start_mb"], 1)

    def finish(self) -> dict[str, Any]:
        self._between_peak_kb = max(self._between_peak_kb, self._close_interval())
        return {"stages": self.stages, "outside_stages_peak_mb": round(self._between_peak_kb / 1024, 1),
                "peak_mb": round(self.overall_peak_kb / 1024, 1), "exact_per_stage": self.resets}


class TreeMeter:
    """Sampled peak memory of this process and all its descendants (Ray's workers), per stage.

    A thread reads ``/proc`` every ``interval`` seconds: the sum of VmRSS (shared pages counted
    once per process that maps them, an upper bound) and the sum of Pss from smaps_rollup
    (shared pages split between their users, the honest total). The current stage is set by
    :meth:`on_stage`, which ``run_experiment(on_stage=...)`` calls at every stage boundary.

    Reading smaps_rollup makes the kernel walk every mapping of every process, which is not
    free: at 1M segments, sampling both sums every 0.5 s cost the driver about a quarter of a
    core (mostly system time) while two actors embedded on two cores. So VmRSS is read every
    ``interval`` and Pss every ``pss_every``-th sample (and at every stage boundary); the
    sampler's own CPU time is reported (``sampler_cpu_s``).
    """

    def __init__(self, interval: float = 0.5, pss_every: int = PSS_EVERY) -> None:
        import threading

        self.interval = interval
        self.pss_every = max(1, pss_every)
        self.samples = 0
        self.cpu_s = 0.0
        self.stage = "setup"
        self.stages: dict[str, dict[str, float]] = {}
        self.peak = {"rss_mb": 0.0, "pss_mb": 0.0, "processes": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _tree(root: int) -> list[int]:
        children: dict[int, list[int]] = defaultdict(list)
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children[ppid].append(int(entry))
        out, todo = [], [root]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, ()))
        return out

    @staticmethod
    def _kb(path: str, field: str) -> int:
        try:
            with open(path, encoding="ascii", errors="replace") as fh:
                for line in fh:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    def sample(self, with_pss: bool = True) -> tuple[float, float, int]:
        pids = self._tree(os.getpid())
        rss = sum(self._kb(f"/proc/{p}/status", "VmRSS") for p in pids) / 1024
        pss = sum(self._kb(f"/proc/{p}/smaps_rollup", "Pss") for p in pids) / 1024 if with_pss else 0.0
        return rss, pss, len(pids)

    def _record(self, with_pss: bool = True) -> None:
        start = time.thread_time()
        rss, pss, n = self.sample(with_pss)
        self.cpu_s += time.thread_time() - start
        rec = self.stages.setdefault(self.stage, {"peak_rss_mb": 0.0, "peak_pss_mb": 0.0, "max_processes": 0})
        rec["peak_rss_mb"] = round(max(rec["peak_rss_mb"], rss), 1)
        rec["peak_pss_mb"] = round(max(rec["peak_pss_mb"], pss), 1)
        rec["max_processes"] = max(rec["max_processes"], n)
        self.peak = {"rss_mb": round(max(self.peak["rss_mb"], rss), 1),
                     "pss_mb": round(max(self.peak["pss_mb"], pss), 1),
                     "processes": max(self.peak["processes"], n)}

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.samples += 1
            self._record(with_pss=self.samples % self.pss_every == 0)

    def start(self) -> None:
        self._thread.start()

    def on_stage(self, name: str, started: bool) -> None:
        """Stage boundary from ``run_experiment``: sample, then switch the current stage."""
        self._record()
        self.stage = name if started else "between"

    def finish(self) -> dict[str, Any]:
        self._stop.set()
        self._thread.join()
        self._record()
        return {"stages": self.stages, "peak_rss_mb": self.peak["rss_mb"], "peak_pss_mb": self.peak["pss_mb"],
                "peak_mb": self.peak["rss_mb"], "max_processes": self.peak["processes"],
                "interval_s": self.interval, "pss_every_s": self.interval * self.pss_every,
                "sampler_cpu_s": round(self.cpu_s, 1)}


# ------------------------------------------------------------------------------ one size


def worker(corpus: Path, result: Path, threads: int | None, cache: Path, ray_opts: dict[str, Any] | None = None,
           precision: str | None = None) -> int:
    """Run the pipeline once on ``corpus`` (in this fresh process) and write the measurements."""
    os.environ["TOPICBRIDGE_CACHE"] = str(cache)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    t0 = time.perf_counter()
    meter: Any
    if ray_opts:
        meter = TreeMeter(ray_opts["interval"])
        meter.start()
    else:
        meter = Meter()
    import toolkit.experiment  # noqa: F401  (imports count as set-up, not as a stage)
    from toolkit.config import load_config

    import_seconds = time.perf_counter() - t0
    overrides = [f"corpus.path={corpus}", "corpus.format=jsonl", "corpus.unit=document",
                 f"name=scale-{corpus.stem}", f"output.dir={corpus.parent}"]
    if threads:
        overrides.append(f"embedding.threads={threads}")
    if precision:
        overrides.append(f"embedding.precision={precision}")
    if ray_opts:
        overrides += ["execution.backend=ray", f"topics.fit_sample={ray_opts['fit_sample']}"]
        if ray_opts.get("workers"):
            overrides.append(f"execution.workers={ray_opts['workers']}")
    config = load_config(BASE_CONFIG, overrides)
    run_dir = corpus.parent / f"run-{corpus.stem}"
    from toolkit.experiment import run_experiment

    start = time.perf_counter()
    outcome = run_experiment(config, out=run_dir, on_stage=meter.on_stage)
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
        # The precision that ran and why (embedding.precision, resolved on this machine).
        "embedding_precision": outcome.manifest.get("embedding"),
        "fit_sample": outcome.manifest["topics"].get("fit_sample"),
        "execution": outcome.manifest.get("execution"),
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


def ray_table(results: list[dict[str, Any]]) -> str:
    """Time and sampled process-tree memory per stage (Ray backend)."""
    header = ["stage"]
    for r in results:
        size = f"{r['segments'] / 1000:g}k"
        header += [f"{size} s", f"{size} peak RSS MB", f"{size} peak PSS MB"]
    rows = []
    for stage in ("setup",) + STAGES:
        row = [stage]
        for r in results:
            rec = r["memory"]["stages"].get(stage, {})
            row += [_fmt_s(r["manifest_timings"].get(stage)) if stage != "setup" else _fmt_s(r["import_seconds"]),
                    f"{rec['peak_rss_mb']:.0f}" if rec else "–", f"{rec['peak_pss_mb']:.0f}" if rec else "–"]
        if any(c != "–" for c in row[1:]):
            rows.append(row)
    total = ["end to end"]
    for r in results:
        total += [_fmt_s(r["run_seconds"]), f"{r['memory']['peak_rss_mb']:.0f}", f"{r['memory']['peak_pss_mb']:.0f}"]
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
    parser.add_argument("--backend", choices=("local", "ray"), default="local")
    parser.add_argument("--fit-sample", default="0.1", help="topics.fit_sample with --backend ray (count or fraction)")
    parser.add_argument("--workers", type=int, default=None, help="execution.workers with --backend ray")
    parser.add_argument("--interval", type=float, default=0.5, help="memory sampling period (s), --backend ray")
    parser.add_argument("--reuse-corpus", action="store_true", help="keep a corpus already built in --workdir")
    parser.add_argument("--warm-cache", action="store_true",
                        help="keep the size's cache in --workdir (embeddings served from it; embed time not measured)")
    parser.add_argument("--precision", choices=("auto", "float32", "bfloat16"), default=None,
                        help="embedding.precision (default: the config's, auto)")
    parser.add_argument("--worker", nargs=3, metavar=("CORPUS", "RESULT", "CACHE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    ray_opts = None
    if args.backend == "ray":
        ray_opts = {"fit_sample": args.fit_sample, "workers": args.workers, "interval": args.interval}
        if args.out == HERE / "results" / "scale.json":
            args.out = HERE / "results" / "scale_ray.json"
    if args.worker:
        corpus, result, cache = (Path(p) for p in args.worker)
        return worker(corpus, result, args.threads, cache, ray_opts, args.precision)

    os.chdir(ROOT)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="tb-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    results, built = [], {}
    load_before = os.getloadavg()
    try:
        for n in sorted(args.sizes):
            corpus = work / f"n{n}.jsonl"
            if args.reuse_corpus and corpus.is_file():
                built[n] = {"segments": n, "mb": round(corpus.stat().st_size / 1e6, 1), "seconds": 0.0, "reused": True}
            else:
                built[n] = build_corpus(n, corpus, seed=n)
            print(f"{n} segments: corpus built in {built[n]['seconds']} s ({built[n]['mb']} MB); running ...",
                  file=sys.stderr, flush=True)
            cache = work / f"cache-{n}"
            if not args.warm_cache:
                shutil.rmtree(cache, ignore_errors=True)  # cold and private for every size
            result = work / f"result-{n}.json"
            cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(corpus), str(result), str(cache)]
            if args.threads:
                cmd += ["--threads", str(args.threads)]
            if args.precision:
                cmd += ["--precision", args.precision]
            if ray_opts:
                cmd += ["--backend", "ray", "--fit-sample", str(args.fit_sample), "--interval", str(args.interval)]
                if args.workers:
                    cmd += ["--workers", str(args.workers)]
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

    text = ray_table(results) if ray_opts else table(results)
    precisions = sorted({(r.get("embedding_precision") or {}).get("precision", "?") for r in results})
    print(f"embedding precision: {', '.join(precisions)} "
          f"({'; '.join(sorted({(r.get('embedding_precision') or {}).get('reason', '?') for r in results}))})")
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
        "memory_method": ("sampled: sum of VmRSS every %gs and of Pss (smaps_rollup) every %gs and at stage "
                          "boundaries, over the driver and all its descendants (Ray's raylet, GCS and workers), "
                          "peak per stage" % (args.interval, args.interval * PSS_EVERY)) if ray_opts
        else "peak RSS per stage: /proc/self/status VmHWM read and reset (clear_refs=5) at each stage boundary",
        "backend": args.backend,
        "ray": ray_opts,
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "loadavg_before": [round(x, 2) for x in load_before],
                    "loadavg_after": [round(x, 2) for x in os.getloadavg()]},
        "embedding_threads": args.threads,
        "embedding_precision": {"requested": args.precision or "config (auto)", "ran": precisions},
        "limit_gb": RAY_LIMIT_GB if ray_opts else LIMIT_GB,
        "results": results,
        "growth": growth,
        "checks": {f"{r['segments']}_peak_under_{RAY_LIMIT_GB if ray_opts else LIMIT_GB:g}_gb":
                   r["memory"]["peak_mb"] / 1024 < (RAY_LIMIT_GB if ray_opts else LIMIT_GB) for r in results},
        "table_markdown": text,
    }
    write_results(args.out, out, {"<workdir>": work})
    print(f"wrote {args.out}")
    return 0 if all(out["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
