"""The Ray actor of `comco render --engine ray`: one actor owns one Blender worker process.

The actor only relays: it starts `python -m comco.render.worker` through `WorkerClient` (so
bpy never runs in a Ray process, forked or threaded) and runs the local engine's per-task
code (`render_task`), which writes the PNG and its JSON straight into the dataset folder,
temp-then-rename. That folder must be the driver's own, seen at the same path on every
node; the actor checks this before its first render. Rejections are not journalled here:
they go back to the driver, the only writer of rejected.jsonl. The driver wraps
`RenderActor` with `ray.remote`; ray is imported only inside the actor, so this module loads
without it. The Blender worker dies with its actor (the worker asks for PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from comco.annotate.measure import QualityGates
from comco.assets.library import MANIFEST_NAME
from comco.dataset.folder import DatasetFolder
from comco.runner.journal import RejectionStage
from comco.runner.run import render_task, start_if_needed
from comco.runner.tasks import Task
from comco.runner.worker_client import WorkerClient, WorkerCrashed, WorkerOptions

# The driver writes a fresh token here (in the run's scratch folder) before any actor starts.
RUN_MARKER = "ray-run"


class SharedFolderError(RuntimeError):
    """An actor cannot see the driver's dataset folder or the asset library."""


@dataclass(frozen=True)
class ActorSetup:
    """What every actor of a run needs; paths are absolute and must mean the same everywhere."""

    root: Path
    token: str
    options: WorkerOptions
    library_sha256: str
    gates: QualityGates
    recycle_after: int


@dataclass(frozen=True)
class WorkerStarted:
    """A Blender worker an actor (re)started, and the device it really got."""

    device: str
    blender_version: str
    pid: int
    cuda_visible_devices: str


@dataclass(frozen=True)
class Outcome:
    """What became of one task: kept, rejected (its record is in `Chunk.rejections`) or a
    crash of the Blender worker (`crash` is the reason; the driver retries it once)."""

    kept: bool
    crash: str | None = None


@dataclass
class Chunk:
    """An actor's answer to one call: one outcome per task, in order."""

    node: str
    actor_pid: int
    outcomes: list[Outcome] = field(default_factory=list)
    rejections: list[dict[str, Any]] = field(default_factory=list)
    started: list[WorkerStarted] = field(default_factory=list)


class CollectedRejections:
    """Stands in for `RejectedLog` in an actor: records rejections for the driver to journal."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def add(self, key: str, reason: str, stage: RejectionStage, **extra: Any) -> None:
        self.records.append({"key": key, "reason": reason, "stage": stage, **extra})


def check_shared_folder(setup: ActorSetup, node: str) -> None:
    """Fail loudly when this node does not see the driver's folder (or the library) at the
    same path: images written elsewhere would be lost to the dataset."""
    marker = DatasetFolder(setup.root).scratch / RUN_MARKER
    try:
        problem = None if marker.read_text() == setup.token else "belongs to another run"
    except FileNotFoundError:
        problem = "is missing"
    except OSError as error:
        problem = f"is unreadable: {error.strerror or error}"
    if problem:
        raise SharedFolderError(
            f"out: {setup.root} on Ray node {node} is not the driver's dataset folder "
            f"({marker} {problem}); put --out on storage every node mounts at the same path "
            "(NFS, CephFS, Lustre)"
        )
    if not (setup.options.library / MANIFEST_NAME).is_file():
        raise SharedFolderError(
            f"library: {setup.options.library} on Ray node {node} has no {MANIFEST_NAME}; "
            "install the asset library at the same path on every node, or on shared storage"
        )


def pin_devices(gpu_ids: list) -> str:
    """Show the Blender worker only the GPUs Ray gave this actor (Ray sets
    CUDA_VISIBLE_DEVICES for actors that reserve GPUs; one that reserved none must not
    render on another actor's GPU). Must run before the worker starts; returns the value."""
    if not gpu_ids:
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    return os.environ.get("CUDA_VISIBLE_DEVICES", "")


class RenderActor:
    """One Blender worker behind a Ray actor; renders the tasks of each call in order."""

    def __init__(self, n: int, setup: ActorSetup):
        self.n, self.setup = n, setup
        self.node = socket.gethostname()
        self.client: WorkerClient | None = None
        self.visible = ""

    def _client(self) -> WorkerClient:
        """Check the folder and pin devices once per actor process (a restarted actor, maybe
        on another node, starts here again)."""
        if self.client is None:
            import ray  # only actors import it; the module stays importable without ray

            check_shared_folder(self.setup, self.node)
            self.visible = pin_devices(ray.get_gpu_ids())
            folder = DatasetFolder(self.setup.root)
            scratch = folder.scratch / f"{self.node}-{os.getpid()}"
            log = folder.logs / f"worker-ray{self.n}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            with open(log, "a") as f:
                f.write(f"comco ray actor {os.getpid()} on {self.node}\n")
            self.client = WorkerClient(replace(self.setup.options, scratch=scratch), log)
        return self.client

    def render(self, tasks: list[Task]) -> Chunk:
        """Render `tasks`; one already finished (by an earlier call that died) counts as kept."""
        client, setup = self._client(), self.setup
        chunk = Chunk(node=self.node, actor_pid=os.getpid())
        rejections = CollectedRejections()
        scratch_stem = client.options.scratch / "render"
        for task in tasks:
            if task.done:
                chunk.outcomes.append(Outcome(kept=True))
                continue
            ready = start_if_needed(client, setup.recycle_after)
            if ready is not None:
                chunk.started.append(
                    WorkerStarted(ready.device, ready.blender_version, ready.pid, self.visible)
                )
            tag = f"{self.node}-{os.getpid()}"
            try:
                kept = render_task(
                    client, task, scratch_stem, tag, setup.library_sha256, setup.gates, rejections
                )
            except WorkerCrashed as error:
                chunk.outcomes.append(Outcome(kept=False, crash=str(error)))
                continue
            chunk.outcomes.append(Outcome(kept=kept))
        chunk.rejections = rejections.records
        return chunk
