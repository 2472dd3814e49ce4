"""The HTML report in a real browser: headless Debian Chromium, network cut off.

Checks that the page renders every plotly figure, logs no console error, runs no corpus
markup, and attempts no network request, for a small synthetic run, the seeds run and a
50,000-unit synthetic run; on the last two a probe script reads the map in both colourings
and hovers a point in each. Chromium's own background services (time sync, component
updates, sign-in) contact Google hosts whatever page is open, so requests to those hosts are
ignored; a control page proves that a page's own request and console output would be caught.
Skipped only when no Chromium is installed.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from toolkit.report import write_report
from toolkit.report.browser import find_chromium, open_in_chromium
from toolkit.report.figures import MAP_MAX_POINTS
from toolkit.report.synthetic import write_synthetic_run

ROOT = Path(__file__).resolve().parents[1]
PROBE = (Path(__file__).parent / "report_probe.js").read_text("utf-8")

pytestmark = pytest.mark.skipif(find_chromium() is None,
                                reason="chromium not installed (apt-get install chromium)")

# Hosts Chromium itself contacts on start-up, even for an empty page.
_BROWSER_SERVICE_HOSTS = ("google.com", "googleapis.com", "gstatic.com", "gvt1.com")
# Software WebGL (SwiftShader) reports its own performance notes on the console.
_WEBGL_DRIVER_NOTE = "GL Driver Message"


def _host(request_line: str) -> str:
    parts = request_line.split()
    target = parts[1] if len(parts) > 1 else ""
    if parts and parts[0] == "CONNECT":
        return target.rsplit(":", 1)[0]
    return urlsplit(target).hostname or ""


def _page_requests(requests: list[str]) -> list[str]:
    return [r for r in requests
            if not any(_host(r) == h or _host(r).endswith("." + h) for h in _BROWSER_SERVICE_HOSTS)]


def page_messages(result) -> list[str]:
    return [m for m in result.console_messages if _WEBGL_DRIVER_NOTE not in m]


def probed(page: Path, out: Path, budget_ms: int = 20000) -> tuple[dict, object, str]:
    """Open a copy of ``page`` with the probe script added (and allowed by the CSP)."""
    text = page.read_text("utf-8")
    digest = "'sha256-" + base64.b64encode(hashlib.sha256(PROBE.encode()).digest()).decode() + "'"
    assert text.count("script-src ") == 1
    text = text.replace("script-src ", f"script-src {digest} ").replace("</body>", f"<script>{PROBE}</script>\n</body>")
    out.write_text(text, "utf-8")
    result = open_in_chromium(out, dump_dom=True, width=1400, height=2000, budget_ms=budget_ms, timeout=300)
    match = re.search(r'data-probe="([^"]*)"', result.dom)
    assert match, (result.console_messages, result.dom[-2000:])
    return json.loads(html.unescape(match.group(1))), result, text


def check_whole_page(probe: dict, result, units: int) -> None:
    """Every figure drawn, no error, no request; the map holds ``units`` points in both colourings,
    each with its hover text, and the hover label shows text in both."""
    dom = result.dom
    expected = dom.count('data-figure="')
    assert expected >= 5
    assert f'data-figures-rendered="{expected}"' in dom
    assert dom.count('class="plot-container plotly"') == expected
    assert probe["plots"] >= expected
    status = re.search(r'<p id="report-status"[^>]*>', dom).group(0)
    assert "data-errors" not in status
    assert page_messages(result) == []
    assert _page_requests(result.requests) == []
    assert set(probe["types"]) == {"scattergl"}
    assert probe["buttons"] == 2 and probe["legend"] == "language"
    assert probe["topic"] == {"points": units, "with_text": units}
    assert probe["lang"] == {"points": units, "with_text": units}
    for label in (probe["topic_label"], probe["lang_label"]):
        head, _, body = label.partition(" · ")
        assert head and len(body) > 20, label


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    run = write_synthetic_run(root / "run", segments_per_lang=15, seed=0)
    write_report(run)
    shot = root / "shot.png"
    result = open_in_chromium(run / "report.html", screenshot=shot, dump_dom=True,
                              width=1400, height=3000, budget_ms=5000)
    return result, shot


def test_every_figure_renders_without_console_errors(rendered):
    result, shot = rendered
    assert result.returncode == 0, result.log[-2000:]
    assert page_messages(result) == []
    dom = result.dom
    assert dom.count('data-figure="') == 11  # every figure applies to this run
    assert 'data-figures-rendered="11"' in dom
    assert dom.count('class="plot-container plotly"') == 11
    assert dom.count('class="main-svg"') >= 10
    status = re.search(r'<p id="report-status"[^>]*>', dom).group(0)
    assert "data-errors" not in status and "hidden" in status
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


def test_corpus_markup_stays_text_in_the_dom(rendered):
    dom = rendered[0].dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in dom
    assert not re.search(r"<img[^>]*src=\"?[xy]\b", dom)
    assert "<script>alert" not in dom
    assert not re.search(r"<[a-z]+[^>]*\sonerror=", dom)


def test_no_network_request_is_attempted(rendered):
    result, _ = rendered
    assert _page_requests(result.requests) == []


def test_control_page_problems_would_be_caught(tmp_path):
    page = tmp_path / "control.html"
    page.write_text('<!DOCTYPE html><img src="http://report-probe.invalid/pixel.png">'
                    '<script>console.error("probe-error")</script>', "utf-8")
    result = open_in_chromium(page, dump_dom=True, budget_ms=1000)
    assert any("report-probe.invalid" in r for r in _page_requests(result.requests)), result.requests
    assert any("probe-error" in line for line in result.console_messages)


@pytest.mark.slow
def test_seeds_report_in_the_browser(tmp_path):
    from toolkit.config import load_config
    from toolkit.experiment import run_experiment

    cfg = load_config(ROOT / "configs" / "seeds.yaml", [f"corpus.path={ROOT / 'seeds'}"])
    run = run_experiment(cfg, out=tmp_path / "seeds").path
    page = run / "report.html"
    assert page.stat().st_size <= 2_000_000
    units = sum(1 for _ in (run / "assignments.csv").open(encoding="utf-8")) - 1
    probe, result, _ = probed(page, tmp_path / "probe.html")
    check_whole_page(probe, result, units)
    assert re.search("[\u4e00-\u9fff]", probe["topic_label"] + probe["lang_label"] + result.dom)


@pytest.mark.slow
def test_50k_unit_report_in_the_browser(tmp_path):
    run = write_synthetic_run(tmp_path / "run", segments_per_lang=16_667, n_topics=40, malicious=False, seed=1)
    write_report(run)
    probe, result, _ = probed(run / "report.html", tmp_path / "probe.html", budget_ms=60000)
    check_whole_page(probe, result, MAP_MAX_POINTS)  # a sample of 50,000 of the 50,001 units
    assert MAP_MAX_POINTS == 50_000
    render_ms = int(re.search(r'data-render-ms="(\d+)"', result.dom).group(1))
    assert render_ms > 0
