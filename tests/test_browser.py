"""Open a rendered physician report in headless Chromium, offline, and check what it shows.

Chromium is driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``:
no port, no extra Python package), so the test sees every network request the page
makes. It checks that the report loads with no failed and no external request, that
every chart image is decoded and shown, that no code, prompt or error is visible, that
the contents links land on their sections, that a phone-width screen has no page-wide
sideways scroll, and that the page prints. Screenshots go to ``reports/browser_check.png``
(desktop) and ``reports/browser_check_phone.png`` (git-ignored) for the record.

Without Chromium (Debian's ``chromium`` package; ``RATEKIT_CHROMIUM`` may name another
Chromium or Chrome executable) the test is skipped, and says so; with
``RATEKIT_REQUIRE_BROWSER=1`` (set by ``.ci/run``) a missing browser fails it.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from ratekit import config
from ratekit.client import list_clients
from ratekit.render import render_clients

pytestmark = pytest.mark.slow

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-extensions", "--disable-default-apps", "--mute-audio",
                  "--hide-scrollbars", "--remote-debugging-pipe"]
SCREENSHOT = config.REPORTS_DIR / "browser_check.png"
PHONE_SCREENSHOT = config.REPORTS_DIR / "browser_check_phone.png"


def _chromium() -> str | None:
    """The browser: ``RATEKIT_CHROMIUM`` if set (e.g. a Chrome elsewhere), else the first found on PATH."""
    chosen = os.environ.get("RATEKIT_CHROMIUM")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


@pytest.fixture(scope="module")
def chromium_path() -> str:
    path = _chromium()
    if path is None:
        message = ("headless Chromium not found: the offline browser check of the physician HTML was SKIPPED "
                   "(install Debian's `chromium` package, e.g. `apt-get install -y chromium`)")
        if os.environ.get("RATEKIT_REQUIRE_BROWSER") == "1":
            pytest.fail(message.replace("was SKIPPED", "cannot run") + "; RATEKIT_REQUIRE_BROWSER=1 requires it")
        print(f"\n{message}")
        pytest.skip(message)
    return path


class DevTools:
    """A minimal Chrome DevTools Protocol client over ``--remote-debugging-pipe`` (fd 3 in, fd 4 out)."""

    def __init__(self, executable: str, user_data_dir: Path):
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # Keep the ends the browser gets above fd 4, so placing them on 3 and 4 cannot clobber each other.
        child_in = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        child_out = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        os.close(to_browser_r)
        os.close(from_browser_w)

        def as_fds_3_and_4():
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self.process = subprocess.Popen(
            [executable, *CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            preexec_fn=as_fds_3_and_4, pass_fds=(3, 4), start_new_session=True)
        os.close(child_in)
        os.close(child_out)
        self._out, self._in = to_browser_w, from_browser_r
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, *, session: str | None = None,
             timeout: float = 30) -> dict:
        """Call ``method`` and return its result (events that arrive meanwhile are kept in ``events``)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method: str, *, timeout: float = 30) -> dict:
        """The first event named ``method`` (already received or still to come)."""
        deadline = time.monotonic() + timeout
        while True:
            for event in self.events:
                if event.get("method") == method:
                    return event
            self.events.append(self._receive(deadline))

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium exited: " + self.process.stderr.read().decode(errors="replace")[-2000:])
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stderr.close()
        os.close(self._out)
        os.close(self._in)


#: What the page shows, measured in the page. "Visible" = has a box on screen and is not hidden.
INSPECT = r"""
(() => {
  const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
                         && getComputedStyle(el).visibility !== 'hidden';
  const images = [...document.images];
  const toc = [...document.querySelectorAll('nav.rk-toc a')];
  const code = '.jp-InputArea .highlight, .jp-CodeMirrorEditor, .cm-editor, .jp-InputPrompt, .jp-OutputPrompt,'
             + ' .jp-CodeCell .jp-InputArea, .jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]';
  return {
    title: document.title,
    h1: document.querySelector('h1') && document.querySelector('h1').innerText,
    scripts: document.scripts.length,
    images: images.length,
    imagesShown: images.filter(i => i.complete && i.naturalWidth > 0 && visible(i)).length,
    imageAlts: images.map(i => i.alt),
    visibleCode: [...document.querySelectorAll(code)].filter(visible).length,
    toc: toc.map(a => a.getAttribute('href')),
    tocMissing: toc.filter(a => !document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1))))
                   .map(a => a.getAttribute('href')),
    tables: document.querySelectorAll('table').length,
    text: document.body.innerText,
    pageWidth: document.documentElement.scrollWidth,
    viewportWidth: window.innerWidth,
    height: document.documentElement.scrollHeight,
  };
})()
"""


@pytest.fixture(scope="module")
def rendered_report(tmp_path_factory) -> Path:
    """The first sample client's report, rendered through the batch path."""
    out = tmp_path_factory.mktemp("browser-reports")
    client_id = list_clients()[0]
    result = render_clients([client_id], out=out, progress=False)
    assert result.ok, result.clients[0].error
    return out / client_id / "client_report.html"


@pytest.fixture(scope="module")
def browser(chromium_path, tmp_path_factory):
    devtools = DevTools(chromium_path, tmp_path_factory.mktemp("chromium-profile"))
    yield devtools
    devtools.close()


def _open(browser: DevTools, url: str, *, width: int, height: int, mobile: bool) -> tuple[str, dict]:
    """A new tab at ``url`` with the given screen; returns (session, what INSPECT measured)."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    browser.events.clear()
    for domain in ("Network", "Page", "Runtime", "Log"):
        browser.send(f"{domain}.enable", session=session)
    browser.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                         "deviceScaleFactor": 1, "mobile": mobile},
                 session=session)
    browser.send("Page.navigate", {"url": url}, session=session)
    browser.wait_for("Page.loadEventFired", timeout=60)
    result = browser.send("Runtime.evaluate", {"expression": INSPECT, "returnByValue": True}, session=session)
    return session, result["result"]["value"]


def _screenshot(browser: DevTools, session: str, path: Path, *, width: int, height: int) -> None:
    shot = browser.send("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}, session=session, timeout=60)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def test_report_loads_offline_with_charts_and_no_code(browser, rendered_report):
    url = rendered_report.as_uri()
    session, page = _open(browser, url, width=1100, height=900, mobile=False)
    requests = [e["params"]["request"]["url"] for e in browser.events if e["method"] == "Network.requestWillBeSent"]
    failed = [(e["params"].get("errorText"), e["params"].get("requestId"))
              for e in browser.events if e["method"] == "Network.loadingFailed"]
    errors = [e["params"] for e in browser.events
              if e["method"] in ("Runtime.exceptionThrown",)
              or (e["method"] == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")]
    assert url in requests
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []  # nothing external
    assert failed == [] and errors == []
    assert page["scripts"] == 0
    assert page["images"] >= 3 and page["imagesShown"] == page["images"]  # every chart decoded and on screen
    assert all(alt.startswith("Chart: ") for alt in page["imageAlts"])
    assert page["visibleCode"] == 0
    for text in ("import ", "analyse_from_parameters", "Traceback", "report.payer_table", "In ["):
        assert text not in page["text"], text
    assert page["h1"] and page["h1"] in page["title"]
    assert page["toc"] and page["tocMissing"] == []
    assert page["tables"] >= 3
    _screenshot(browser, session, SCREENSHOT, width=1100, height=min(page["height"], 12000))
    assert SCREENSHOT.stat().st_size > 10_000
    pdf = browser.send("Page.printToPDF", {"printBackground": True}, session=session, timeout=60)
    assert base64.b64decode(pdf["data"]).startswith(b"%PDF")


def test_report_reads_on_a_phone(browser, rendered_report):
    session, page = _open(browser, rendered_report.as_uri(), width=390, height=844, mobile=True)
    assert page["pageWidth"] <= page["viewportWidth"]  # wide tables scroll in their own box, not the page
    assert page["imagesShown"] == page["images"]
    _screenshot(browser, session, PHONE_SCREENSHOT, width=390, height=min(page["height"], 6000))
