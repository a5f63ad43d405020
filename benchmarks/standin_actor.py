"""A stand-in Ray actor for `driver_load.py --actors N`: `RenderActor`'s call interface, but
each task is answered by writing the finished outputs of a real render (PNG and annotation
JSON, the task's id and image name written in, temporary name then rename into the task's
real paths) after a chosen latency, so the driver's loop, ledger, journals, completion
records and the file writes run for real at cluster rates on a small machine.

The cache is a folder of finished scenes (`<kind>.png`, `<kind>.json`) from
$COMCO_STANDIN_FINISHED; a task's spec seed picks its kind. $COMCO_STANDIN_LATENCY_S is the
render time per image: a call of k tasks answers k latencies after it began. Calls take
turns, as the one Blender worker behind a `RenderActor` does.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path

from comco.io.atomic import write_atomic
from comco.runner.feeder import Outcome
from comco.runner.ray_actor import ActorSetup, Chunk, WireTask, WorkerStarted
from comco.runner.states import TaskState

ID_MARK, IMAGE_MARK = "\x00id\x00", "\x00image\x00"  # never in a real annotation


def annotation_template(path: Path) -> str:
    """The cached annotation's JSON, its id and image name left as marks to fill in."""
    data = json.loads(path.read_text())
    data["id"], data["image"] = ID_MARK, IMAGE_MARK
    return json.dumps(data, indent=1)


class StandinActor:
    """Answers `render(wires)` from a cache of finished scenes, after `latency` per task."""

    def __init__(self, n: int, setup: ActorSetup):
        cache = Path(os.environ["COMCO_STANDIN_FINISHED"])
        self.latency = float(os.environ.get("COMCO_STANDIN_LATENCY_S", "0"))
        kinds = sorted(cache.glob("*.png"))
        self.pngs = [path.read_bytes() for path in kinds]
        self.annotations = [annotation_template(path.with_suffix(".json")) for path in kinds]
        self.node, self.tag = socket.gethostname(), f"standin-{os.getpid()}"
        self.turn = threading.Lock()  # one worker: calls take turns
        self.announced = False

    def render(self, wires: list[WireTask]) -> Chunk:
        with self.turn:
            began = time.perf_counter()
            outcomes = [self._write(wire) for wire in wires]
            time.sleep(max(0.0, began + self.latency * len(wires) - time.perf_counter()))
            started = [] if self.announced else [WorkerStarted("stand-in", "stand-in", 0, "")]
            self.announced = True
            return Chunk(self.node, os.getpid(), outcomes=outcomes, started=started)

    def _write(self, wire: WireTask) -> Outcome:
        """Write one task's PNG, then its JSON, as the runner does; their sizes go back."""
        _, spec_json, _, png = wire
        spec = json.loads(spec_json)  # the real actor validates it; only id and seed are read
        kind = spec["seed"] % len(self.pngs)
        final = Path(png)
        text = self.annotations[kind].replace(ID_MARK, spec["id"]).replace(IMAGE_MARK, final.name)
        data = text.encode()
        final.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(final, self.pngs[kind], self.tag)
        write_atomic(final.with_suffix(".json"), data, self.tag)
        return Outcome(TaskState.kept, sizes=(len(self.pngs[kind]), len(data)))
