"""A render worker on CPU for the Blender tests, started once per module and always stopped."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from comco.runner.worker_client import WorkerClient, WorkerOptions


@contextmanager
def cpu_worker(library: Path, scratch: Path) -> Iterator[WorkerClient]:
    client = WorkerClient(
        WorkerOptions(library=library, scratch=scratch, device="CPU"), scratch / "w.log"
    )
    client.start()
    try:
        yield client
    finally:
        client.stop()
