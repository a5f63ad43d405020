"""Headless Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`:
commands go in on fd 3, answers come out on fd 4, NUL-separated JSON), so browser tests need
the Debian `chromium` package and nothing else: no websocket client, no Playwright download."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


def find_chromium() -> str | None:
    """The first Chromium-like binary on PATH ($COMCO_CHROMIUM overrides)."""
    if "COMCO_CHROMIUM" in os.environ:
        return os.environ["COMCO_CHROMIUM"]
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


class Browser:
    """One headless browser with one page; `evaluate` and `screenshot` act on that page."""

    def __init__(self, binary: str, profile: Path, size: tuple[int, int] = (1200, 900)) -> None:
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire() -> None:  # runs in the child before exec: its fds 3 and 4 become the pipe
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_r, from_browser_w)]
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        profile.mkdir(parents=True, exist_ok=True)
        self._log = (profile / "chromium.log").open("wb")
        self._process = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-pipe", f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
            preexec_fn=wire, pass_fds=(3, 4),
        )  # fmt: skip
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next_id = 0
        self._buffer = b""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self._session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        self.call("Page.enable", session=True)
        width, height = size
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True, width=width, height=height, deviceScaleFactor=1, mobile=False,
        )  # fmt: skip

    def call(self, method: str, session: bool = False, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer (events in between are dropped)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self._buffer:
                data = os.read(self._from_browser, 1 << 20)
                if not data:
                    raise RuntimeError(f"chromium closed the pipe during {method}")
                self._buffer += data
            raw, self._buffer = self._buffer.split(b"\0", 1)
            answer = json.loads(raw)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer["result"]

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises are awaited)."""
        result = self.call(
            "Runtime.evaluate", session=True, expression=expression,
            returnByValue=True, awaitPromise=True,
        )  # fmt: skip
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str) -> None:
        self.call("Page.navigate", session=True, url=url)

    def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        """Poll until the expression is truthy; its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"{expression!r} stayed false for {timeout} s")

    def screenshot(self) -> bytes:
        """PNG bytes of the viewport."""
        return base64.b64decode(self.call("Page.captureScreenshot", session=True)["data"])

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):  # it may close the pipe before answering
            self.call("Browser.close")
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)
        self._log.close()
