"""What report.html weighs and how long it takes to draw, with plotly.js and the data inlined
raw, compressed as base64, or compressed as base85 (what the report does), in one run.

Reports measured: the seeds run (``--seeds-run``, a finished run of configs/seeds.yaml; built
here when omitted) and synthetic runs of 50,000 and 100,000 units whose texts are the 3,012
vendored SIB-200 sentences (ru, de, zh) cycled, so the hover text compresses like real text.
Each page is opened in headless Chromium (network cut off); a probe script added to a copy of
the page logs when the page's script starts and when its last figure is drawn, and Chromium's
real-time stamps on those two console lines give the draw time (the page's own clocks run on
headless Chromium's virtual time). Chromium's whole wall time is given beside that of an empty
page in the same run. Prints a table and writes
``experiments/results/report_page_weight.json``.

    python experiments/report_page_weight.py [--seeds-run runs/seeds-...] [--skip-browser]
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import platform
import re
import sys
import tempfile
import time
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from report_timing import sib_texts  # noqa: E402
from results_file import write_results  # noqa: E402

from toolkit.report import write_report  # noqa: E402
from toolkit.report.browser import find_chromium, open_in_chromium  # noqa: E402
from toolkit.report.packing import unpack_block  # noqa: E402
from toolkit.report.synthetic import write_synthetic_run  # noqa: E402

ROOT = HERE.parent
LIMITS_MB = {"seeds": 2.0, "sib200-100k": 10.0}


def plotly_bundles() -> dict[str, int]:
    """The plotly.js files the installed plotly wheel ships, with their sizes."""
    import plotly

    root = Path(plotly.__file__).parent
    return {str(p.relative_to(root)): p.stat().st_size for p in sorted(root.rglob("*.js"))}


def encodings(page: str) -> dict[str, float]:
    """Page size in MB with plotly.js and the figure data inlined each way."""
    plotly_js = unpack_block(page, "report-plotly")
    figures = unpack_block(page, "report-figures")
    blocks = re.findall(r'<script type="text/plain" id="report-(?:plotly|figures)" data-bytes="\d+">.*?</script>',
                        page, re.S)
    rest = len(page.encode("utf-8")) - sum(len(b.encode("utf-8")) for b in blocks)

    def deflate(text: str) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
        return c.compress(text.encode("utf-8")) + c.flush()

    raw = len(plotly_js.encode()) + len(figures.encode())
    d_plotly, d_figures = deflate(plotly_js), deflate(figures)
    b64 = len(base64.b64encode(d_plotly)) + len(base64.b64encode(d_figures))
    b85 = len(base64.b85encode(d_plotly + b"\0" * (-len(d_plotly) % 4))) + \
        len(base64.b85encode(d_figures + b"\0" * (-len(d_figures) % 4)))
    return {"raw_mb": round((rest + raw) / 1e6, 3), "deflate_base64_mb": round((rest + b64) / 1e6, 3),
            "deflate_base85_mb": round((rest + b85) / 1e6, 3), "page_mb": round(len(page.encode()) / 1e6, 3),
            "plotly_raw_mb": round(len(plotly_js.encode()) / 1e6, 3),
            "figures_raw_mb": round(len(figures.encode()) / 1e6, 3), "rest_mb": round(rest / 1e6, 3)}


# Logs when the page's script starts (this probe follows it in the page) and when the last
# figure is drawn. Chromium stamps each console line with the real wall-clock time, while the
# page's own clocks run on headless Chromium's virtual time, so the stamps give the real draw time.
_TIMING_PROBE = """(function () {
  console.log("tb-timing start");
  (function wait() {
    if (document.documentElement.hasAttribute("data-figures-rendered")) { console.log("tb-timing drawn"); return; }
    setTimeout(wait, 10);
  })();
})();"""
_STAMP = re.compile(r"\[\d+:\d+:\d{4}/(\d{2})(\d{2})(\d{2})\.(\d{6}):INFO:CONSOLE[^\]]*\] \"tb-timing (start|drawn)\"")


def _with_probe(page: Path, out: Path) -> Path:
    digest = "'sha256-" + base64.b64encode(hashlib.sha256(_TIMING_PROBE.encode()).digest()).decode() + "'"
    text = page.read_text("utf-8").replace("script-src ", f"script-src {digest} ", 1)
    out.write_text(text.replace("</body>", f"<script>{_TIMING_PROBE}</script>\n</body>", 1), "utf-8")
    return out


def draw_time(page: Path, budget_ms: int) -> dict:
    """Chromium's wall time to open the page (start-up and DOM dump included) and the real time
    from the page's script start to its last figure drawn."""
    probed = _with_probe(page, page.with_name("timed-" + page.name)) if page.name != "blank.html" else page
    start = time.perf_counter()
    result = open_in_chromium(probed, dump_dom=True, width=1400, height=2000, budget_ms=budget_ms, timeout=600)
    wall = time.perf_counter() - start
    rendered = re.search(r'data-figures-rendered="(\d+)"', result.dom)
    stamps = {m.group(5): int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3)) + int(m.group(4)) / 1e6
              for m in _STAMP.finditer(result.log)}
    draw_s = round(stamps["drawn"] - stamps["start"], 2) if len(stamps) == 2 else None
    return {"chromium_s": round(wall, 2), "draw_s": draw_s,
            "figures": result.dom.count('data-figure="'), "rendered": int(rendered.group(1)) if rendered else 0,
            "requests": len([r for r in result.requests if "google" not in r and "gvt1" not in r])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds-run", type=Path, help="a finished run of configs/seeds.yaml")
    parser.add_argument("--skip-browser", action="store_true", help="sizes only")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "report_page_weight.json")
    args = parser.parse_args(argv)
    browser = not args.skip_browser and find_chromium() is not None
    rows = []
    with tempfile.TemporaryDirectory(prefix="page-weight-") as tmp:
        tmp_path = Path(tmp)
        seeds = args.seeds_run
        if seeds is None:
            from toolkit.config import load_config
            from toolkit.experiment import run_experiment

            cfg = load_config(ROOT / "configs" / "seeds.yaml", [f"corpus.path={ROOT / 'seeds'}"])
            seeds = run_experiment(cfg, out=tmp_path / "seeds").path
        texts = sib_texts()
        runs = [("seeds", seeds)]
        for name, units in (("sib200-50k", 50_000), ("sib200-100k", 100_000)):
            cycled = [texts[i % len(texts)] for i in range(units)]
            runs.append((name, write_synthetic_run(tmp_path / name, texts=cycled, n_topics=42, malicious=False,
                                                   segments_per_doc=1, seed=0)))
        blank = tmp_path / "blank.html"
        blank.write_text("<!DOCTYPE html><title>blank</title>", "utf-8")
        baseline = draw_time(blank, 1000)["chromium_s"] if browser else None
        for name, run in runs:
            out = tmp_path / f"report-{name}"
            start = time.perf_counter()
            write_report(run, out)
            build_s = time.perf_counter() - start
            page = out / "report.html"
            row = {"report": name, "units": sum(1 for _ in (run / "assignments.csv").open(encoding="utf-8")) - 1,
                   "build_s": round(build_s, 2), **encodings(page.read_text("utf-8"))}
            if name in LIMITS_MB:
                row["limit_mb"] = LIMITS_MB[name]
                row["within_limit"] = row["page_mb"] <= LIMITS_MB[name]
            if browser:
                row.update(draw_time(page, 60000))
                row["chromium_blank_s"] = baseline
            rows.append(row)

    header = ("report", "units", "raw_mb", "deflate_base64_mb", "deflate_base85_mb", "page_mb", "draw_s",
              "chromium_s", "rendered")
    print("  ".join(f"{h:>18}" for h in header))
    for row in rows:
        print("  ".join(f"{str(row.get(h, '-')):>18}" for h in header))
    if browser:
        print(f"Chromium on an empty page: {baseline} s")
    bundles = plotly_bundles()
    print("plotly.js files in the installed plotly wheel:", ", ".join(f"{k} ({v / 1e6:.1f} MB)" for k, v in bundles.items()))
    write_results(args.out, {
        "command": "python experiments/report_page_weight.py", "machine": platform.platform(),
        "cpus": os.cpu_count(), "plotly_wheel_bundles": bundles, "rows": rows,
    }, folders={"<tmp>": tempfile.gettempdir()})
    return 0 if all(r.get("within_limit", True) for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
