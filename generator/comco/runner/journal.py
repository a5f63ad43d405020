"""`rejected.jsonl`: one JSON object per rejected spec, appended as it happens.

Each record is appended with a single write, so a killed run can at worst leave a torn last
line; opening the journal cuts that line off (its spec is simply rendered again).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any


class RejectedLog:
    """Append-only record of rejected specs, keyed so a resumed run skips them."""

    def __init__(self, path: Path):
        self.path = path
        self.keys: set[str] = set()
        self._lock = threading.Lock()
        if path.is_file():
            data = path.read_bytes()
            complete = data[: data.rfind(b"\n") + 1]
            if len(complete) != len(data):
                with open(path, "r+b") as f:
                    f.truncate(len(complete))
            self.keys = {json.loads(line)["key"] for line in complete.splitlines() if line.strip()}

    def add(self, key: str, reason: str, stage: str, **extra: Any) -> None:
        """Record a rejection; `stage` says where it failed ('spec', 'render', 'crash', 'gate')."""
        line = (
            json.dumps({"key": key, "stage": stage, "reason": reason, **extra}, sort_keys=True)
            + "\n"
        )
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)
            self.keys.add(key)
