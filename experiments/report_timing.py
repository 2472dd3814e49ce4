"""How long the report takes and how big report.html gets, at SIB-200 scale.

Builds a synthetic run directory from the 3,012 vendored SIB-200 sentences (ru + de + zh,
train + dev + test; one sentence per document, 42 topics, 24% outliers, like the baseline
run in the design guide), or takes existing run directories, then times ``write_report``.
Prints a table and writes ``experiments/results/report_timing.json``.

    python experiments/report_timing.py                 # synthetic SIB-200-sized runs
    python experiments/report_timing.py --run-dir runs/sib200-20251128-101500
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from toolkit.report import load_run, write_report
from toolkit.report.synthetic import write_synthetic_run

HERE = Path(__file__).resolve().parent
SIB = HERE / "data" / "sib200"
LANGS = {"rus_Cyrl": "ru", "deu_Latn": "de", "zho_Hans": "zh"}
LIMIT_MB, LIMIT_S = 10.0, 20.0


def sib_texts() -> list[tuple[str, str, str]]:
    """(lang, text, category) of every SIB-200 sentence in ru, de, zh, in index order."""
    rows = []
    for folder, lang in LANGS.items():
        parts = [pd.read_csv(SIB / folder / f"{split}.tsv", sep="\t", quoting=csv.QUOTE_NONE,
                             dtype=str, keep_default_na=False) for split in ("train", "dev", "test")]
        frame = pd.concat(parts).sort_values("index_id", key=lambda s: s.astype(int))
        rows += [(lang, text, cat) for text, cat in zip(frame["text"], frame["category"])]
    return rows


def measure(run_dir: Path, scenario: str, out_dir: Path) -> dict:
    """Time one report build and describe its output."""
    start, cpu_start = time.perf_counter(), time.process_time()
    paths = write_report(run_dir, out_dir)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    data = load_run(run_dir)
    html = next(p for p in paths if p.name == "report.html")
    md = next(p for p in paths if p.name == "report.md")
    pngs = [p for p in paths if p.suffix == ".png"]
    return {
        "scenario": scenario, "segments": len(data.assignments), "topics": len(data.real_topics),
        "languages": len(data.languages), "dated": bool(data.has_dates),
        "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "html_mb": round(html.stat().st_size / 1e6, 2),
        "md_kb": round(md.stat().st_size / 1e3, 1), "pngs": len(pngs),
        "png_kb": round(sum(p.stat().st_size for p in pngs) / 1e3, 1),
        "within_limits": seconds < LIMIT_S and html.stat().st_size / 1e6 < LIMIT_MB,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", action="append", type=Path, default=[],
                        help="time an existing run directory instead (repeatable)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "report_timing.json")
    args = parser.parse_args(argv)

    results = []
    with tempfile.TemporaryDirectory(prefix="report-timing-") as tmp:
        if args.run_dir:
            runs = [(p, p.name) for p in args.run_dir]
        else:
            texts = sib_texts()
            runs = []
            for scenario, dated in (("sib200-synthetic", False), ("sib200-synthetic+dates", True)):
                path = write_synthetic_run(Path(tmp) / scenario, texts=texts, n_topics=42,
                                           segments_per_doc=1, with_dates=dated,
                                           outlier_share=0.24, malicious=False, seed=0)
                runs.append((path, scenario))
        for i, (run_dir, scenario) in enumerate(runs):
            results.append(measure(run_dir, scenario, Path(tmp) / f"out-{i}"))

    header = ["scenario", "segments", "topics", "dated", "seconds", "cpu_seconds", "html_mb", "md_kb", "pngs",
              "png_kb", "within_limits"]
    widths = [max(len(h), *(len(str(r[h])) for r in results)) for h in header]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for r in results:
        print("  ".join(str(r[h]).ljust(w) for h, w in zip(header, widths)))
    print(f"limits: HTML < {LIMIT_MB} MB, generation < {LIMIT_S} s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "experiment": "report_timing", "limits": {"html_mb": LIMIT_MB, "seconds": LIMIT_S},
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2)},
        "results": results,
    }, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if all(r["within_limits"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
