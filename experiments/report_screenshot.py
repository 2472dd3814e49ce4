"""Screenshot a run's HTML report in headless Chromium (network cut off).

    python experiments/report_screenshot.py RUN_DIR OUT.png [--width 1400] [--height 4000]
    python experiments/report_screenshot.py --demo OUT.png      # a synthetic seeds-like run

Uses RUN_DIR/report.html, building it first (into a temporary folder, RUN_DIR untouched)
when it is missing or with --rebuild. Prints what the browser logged and any request the
page attempted, and exits non-zero when figures did not render.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

from toolkit.errors import ToolkitError
from toolkit.report import write_report
from toolkit.report.browser import open_in_chromium
from toolkit.report.synthetic import write_synthetic_run

_BROWSER_SERVICE_HOSTS = re.compile(r"(^|[\s/.])(google\.com|googleapis\.com|gstatic\.com|gvt1\.com)(:\d+)?[/\s]")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Screenshot a run's HTML report.")
    parser.add_argument("run_dir", nargs="?", type=Path, help="run directory")
    parser.add_argument("out", type=Path, help="PNG file to write")
    parser.add_argument("--demo", action="store_true", help="use a synthetic seeds-like run")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the report first")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=4000)
    parser.add_argument("--budget-ms", type=int, default=5000, help="virtual time for scripts")
    parser.add_argument("--only", help="show only these sections (comma-separated ids, e.g. fig-map,fig-time): "
                                       "a copy of the page hides the others")
    args = parser.parse_args(argv)
    if (args.run_dir is None) == (not args.demo):
        parser.error("give RUN_DIR or --demo (not both)")

    with tempfile.TemporaryDirectory(prefix="report-shot-") as tmp:
        try:
            run = args.run_dir or write_synthetic_run(Path(tmp) / "demo-run")
            page = run / "report.html"
            if args.demo or args.rebuild or not page.is_file():
                out_dir = Path(tmp) / "report"
                write_report(run, out_dir)
                page = out_dir / "report.html"
            if args.only:
                keep = ", ".join(f"#{name.strip()}" for name in args.only.split(","))
                style = (f"<style>header.hero, nav.toc, main > section:not({keep}), main > p, footer "
                         "{ display: none !important; }</style>")
                copy = Path(tmp) / "only" / page.name
                copy.parent.mkdir()
                copy.write_text(page.read_text("utf-8").replace("</head>", style + "</head>", 1), "utf-8")
                page = copy
            args.out.parent.mkdir(parents=True, exist_ok=True)
            result = open_in_chromium(page, screenshot=args.out, dump_dom=True, width=args.width,
                                      height=args.height, budget_ms=args.budget_ms)
        except ToolkitError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    rendered = re.search(r'data-figures-rendered="(\d+)"', result.dom)
    expected = result.dom.count('data-figure="')
    page_requests = [r for r in result.requests if not _BROWSER_SERVICE_HOSTS.search(r + " ")]
    print(f"screenshot: {args.out} ({args.out.stat().st_size / 1e3:.0f} kB, {args.width}x{args.height})")
    print(f"figures rendered: {rendered.group(1) if rendered else 0} of {expected}")
    print(f"console messages: {len(result.console_messages)}")
    for line in result.console_messages[:20]:
        print("  " + line)
    print(f"requests attempted by the page: {len(page_requests)}")
    for line in page_requests[:20]:
        print("  " + line)
    ok = rendered is not None and int(rendered.group(1)) == expected and not page_requests
    return 0 if ok and not result.console_messages else 1


if __name__ == "__main__":
    sys.exit(main())
