"""Open a report in headless Chromium: screenshots, the rendered DOM and attempted requests.

A development and test aid (the report itself needs no browser). Every HTTP(S) request the
browser attempts is sent to a local recording proxy that answers nothing, so a report that
tried to reach the network is caught even though the machine is offline.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from toolkit.errors import RunError

__all__ = ["find_chromium", "BrowserResult", "open_in_chromium"]

log = logging.getLogger(__name__)

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable (``$CHROMIUM`` first), or ``None``."""
    env = os.environ.get("CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in _CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class BrowserResult:
    """What one headless Chromium pass produced.

    Attributes
    ----------
    dom : str
        The serialised DOM after scripts ran (empty when not requested).
    log : str
        Chromium's stderr (console messages appear as ``INFO:CONSOLE`` lines).
    requests : list of str
        First lines of the HTTP requests that reached the recording proxy.
    returncode : int
    """

    dom: str
    log: str
    requests: list[str] = field(default_factory=list)
    returncode: int = 0

    @property
    def console_messages(self) -> list[str]:
        """Every page console message, CSP violation and failed load Chromium logged.

        Headless Chromium logs all console levels alike (``INFO:CONSOLE``), so a clean page
        is one that logs nothing at all.
        """
        markers = (":CONSOLE", "Refused to", "net::ERR_")
        return [line for line in self.log.splitlines() if any(m in line for m in markers)]


class _RecordingProxy:
    """A TCP listener on 127.0.0.1 that records the first line of every request and closes."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.requests: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            with conn:
                conn.settimeout(1.0)
                try:
                    head = conn.recv(4096).decode("latin-1", "replace")
                except OSError:
                    head = ""
                self.requests.append(head.splitlines()[0] if head else "<connection without data>")

    def __enter__(self) -> _RecordingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


def open_in_chromium(html_path: str | Path, *, screenshot: str | Path | None = None,
                     dump_dom: bool = False, width: int = 1400, height: int = 3000,
                     budget_ms: int = 5000, timeout: float = 120.0,
                     chromium: str | None = None) -> BrowserResult:
    """Load a local HTML file in headless Chromium with the network cut off.

    Parameters
    ----------
    html_path : str or Path
        The file to open.
    screenshot : str or Path, optional
        Write a PNG screenshot of the window here.
    dump_dom : bool
        Return the DOM after scripts ran (always done when no screenshot is asked for).
    width, height : int
        Window size in CSS pixels (the screenshot size).
    budget_ms : int
        Virtual time given to the page's scripts before the capture.
    timeout : float
        Seconds before Chromium is killed.
    chromium : str, optional
        Executable; found with :func:`find_chromium` when omitted.

    Returns
    -------
    BrowserResult

    Raises
    ------
    RunError
        No Chromium is installed, the file does not exist, or Chromium timed out.
    """
    exe = chromium or find_chromium()
    if exe is None:
        raise RunError("no Chromium found (tried $CHROMIUM, " + ", ".join(_CANDIDATES)
                       + "); install it, e.g. `apt-get install chromium`")
    page = Path(html_path).resolve()
    if not page.is_file():
        raise RunError(f"{page}: no such file to open in Chromium")
    extra = []  # one pass: headless Chromium can screenshot and dump the DOM together
    if screenshot is not None:
        extra.append("--screenshot=" + str(Path(screenshot).resolve()))
    if dump_dom or not extra:
        extra.append("--dump-dom")
    with _RecordingProxy() as proxy, tempfile.TemporaryDirectory(prefix="tb-chromium-") as profile:
        cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-extensions",
               "--disable-default-apps", "--metrics-recording-only", "--mute-audio",
               "--hide-scrollbars", f"--user-data-dir={profile}",
               # Software WebGL (the map is scattergl): headless Chromium without a GPU only
               # offers it when asked for; the page is local and trusted.
               "--enable-unsafe-swiftshader",
               f"--proxy-server=http://127.0.0.1:{proxy.port}", "--proxy-bypass-list=<-loopback>",
               "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
               f"--window-size={width},{height}", f"--virtual-time-budget={budget_ms}",
               "--enable-logging=stderr", "--v=0", *extra, page.as_uri()]
        log.debug("running %s", " ".join(cmd))
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  encoding="utf-8", errors="replace")
        except subprocess.TimeoutExpired as exc:
            raise RunError(f"Chromium did not finish within {timeout:.0f}s opening {page}") from exc
        requests = list(proxy.requests)
    dom = proc.stdout if "--dump-dom" in extra else ""
    return BrowserResult(dom=dom, log=proc.stderr, requests=requests, returncode=proc.returncode)
