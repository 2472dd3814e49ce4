"""The HTML report in a real browser: headless Debian Chromium, network cut off.

Checks that the page renders every plotly figure, logs no console error, runs no corpus
markup, and attempts no network request. Chromium's own background services (time sync,
component updates, sign-in) contact Google hosts whatever page is open, so requests to
those hosts are ignored; a control page proves that a page's own request and console output
would be caught.
Skipped only when no Chromium is installed.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from toolkit.report import write_report
from toolkit.report.browser import find_chromium, open_in_chromium
from toolkit.report.synthetic import write_synthetic_run

pytestmark = pytest.mark.skipif(find_chromium() is None,
                                reason="chromium not installed (apt-get install chromium)")

# Hosts Chromium itself contacts on start-up, even for an empty page.
_BROWSER_SERVICE_HOSTS = ("google.com", "googleapis.com", "gstatic.com", "gvt1.com")


def _host(request_line: str) -> str:
    parts = request_line.split()
    target = parts[1] if len(parts) > 1 else ""
    if parts and parts[0] == "CONNECT":
        return target.rsplit(":", 1)[0]
    return urlsplit(target).hostname or ""


def _page_requests(requests: list[str]) -> list[str]:
    return [r for r in requests
            if not any(_host(r) == h or _host(r).endswith("." + h) for h in _BROWSER_SERVICE_HOSTS)]


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
    assert result.console_messages == []
    dom = result.dom
    assert 'data-figures-rendered="7"' in dom
    assert dom.count('class="plot-container plotly"') == 7
    assert dom.count('class="main-svg"') >= 7
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
