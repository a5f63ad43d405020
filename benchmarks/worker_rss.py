"""Resident memory of the Blender workers of one run, sampled from /proc (Linux).

Ray starts the workers under its actors, not under the benchmark, so `getrusage` of the
children does not see them; this sampler finds every `comco.render.worker` whose scratch
folder lies in the run's dataset folder, whichever process started it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


def _workers(folder: str) -> list[int]:
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"comco.render.worker" in args and any(a.startswith(folder.encode()) for a in args):
            pids.append(int(cmdline.parent.name))
    return pids


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class RssSampler:
    """Poll the workers' RSS every `interval_s` while a run writes into `folder`."""

    folder: Path
    interval_s: float = 0.5
    samples: list[tuple[float, int, float]] = field(default_factory=list)  # (s, pid, MB)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> RssSampler:
        self._began = time.perf_counter()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        folder = str(self.folder.resolve())
        while not self._stop.wait(self.interval_s):
            now = time.perf_counter() - self._began
            for pid in _workers(folder):
                mb = _rss_mb(pid)
                if mb is not None:
                    self.samples.append((now, pid, mb))

    def report(self) -> list[str]:
        """Peak RSS of any worker over the whole run and in each tenth of it (flat or not)."""
        if not self.samples:
            return ["worker RSS: no worker seen (run shorter than one sampling interval?)"]
        start, end = self.samples[0][0], self.samples[-1][0]
        tenth = (end - start) / 10

        def peak(lo: float, hi: float) -> float:
            return max((mb for t, _, mb in self.samples if lo <= t <= hi), default=0.0)

        trace = [peak(start + k * tenth, start + (k + 1) * tenth) for k in range(10)]
        return [
            f"workers seen    {len({pid for _, pid, _ in self.samples})} processes",
            f"peak worker RSS {peak(start, end):.0f} MB (sampled every {self.interval_s} s)",
            "peak RSS per tenth of the run (MB): " + " ".join(f"{mb:.0f}" for mb in trace),
        ]
