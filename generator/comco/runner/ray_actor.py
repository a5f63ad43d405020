"""The Ray actor of `comco render --engine ray`: one actor owns one Blender worker process.

The actor only relays: it starts `python -m comco.render.worker` through `WorkerClient` (so
bpy never runs in a Ray process, forked or threaded) and feeds it with the engines' one
loop (`comco.runner.feeder.Feeder`), in a thread of its own, which writes the PNG and its
JSON straight into the dataset folder, temp-then-rename. The actor is threaded: each call
queues its tasks for that loop and waits for their outcomes, so with the driver's next call
already queued the worker renders the next task while the loop annotates the last one, as
in a local run. That folder must be the driver's own, seen at the same path on every node;
the actor checks this before its first render. Rejections and crashes are not journalled
here: they go back to the driver, the only writer of rejected.jsonl. The driver wraps
`RenderActor` with `ray.remote`; ray is imported only inside the actor, so this module loads
without it. The Blender worker dies with its actor (the worker asks for PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import os
import queue
import socket
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path

from comco.assets.library import MANIFEST_NAME
from comco.dataset.folder import DatasetFolder
from comco.render.protocol import Ready
from comco.runner.completion import pair_problem
from comco.runner.feeder import Feeder, FeedSetup, Outcome, written_sizes
from comco.runner.states import TaskState
from comco.runner.tasks import Task
from comco.runner.worker_client import WorkerClient

# The driver writes a fresh token here (in the run's scratch folder) before any actor starts.
RUN_MARKER = "ray-run"


class SharedFolderError(RuntimeError):
    """An actor cannot see the driver's dataset folder or the asset library."""


@dataclass(frozen=True)
class ActorSetup:
    """What every actor of a run needs; paths are absolute and must mean the same everywhere."""

    root: Path
    token: str
    feed: FeedSetup


@dataclass(frozen=True)
class WorkerStarted:
    """A Blender worker an actor (re)started, and the device it really got."""

    device: str
    blender_version: str
    pid: int
    cuda_visible_devices: str


# A task as the driver sends it: key, spec JSON (the task's own bytes, nothing to dump),
# categories, final PNG path; the actor validates the spec where it renders.
WireTask = tuple[str, bytes, tuple[str, ...], str]


def to_wire(task: Task) -> WireTask:
    return task.key, task.spec_json, task.categories, str(task.png)


def from_wire(wire: WireTask) -> Task:
    key, spec_json, categories, png = wire
    return Task(key, spec_json, categories, Path(png))


@dataclass
class Chunk:
    """An actor's answer to one call: one outcome per task, in order, and the workers the
    actor started since its previous answer."""

    node: str
    actor_pid: int
    outcomes: list[Outcome] = field(default_factory=list)
    started: list[WorkerStarted] = field(default_factory=list)


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
    library = setup.feed.options.library
    if not (library / MANIFEST_NAME).is_file():
        raise SharedFolderError(
            f"library: {library} on Ray node {node} has no {MANIFEST_NAME}; "
            "install the asset library at the same path on every node, or on shared storage"
        )


def pin_devices(gpu_ids: list) -> str:
    """Show the Blender worker only the GPUs Ray gave this actor (Ray sets
    CUDA_VISIBLE_DEVICES for actors that reserve GPUs; one that reserved none must not
    render on another actor's GPU). Must run before the worker starts; returns the value."""
    if not gpu_ids:
        os.environ["CUDA_VISIBLE_DEVICES"] = ""
    return os.environ.get("CUDA_VISIBLE_DEVICES", "")


class _Call:
    """The outcomes of one `render` call, filled in as the loop reports them."""

    def __init__(self, count: int):
        self.outcomes: list[Outcome | None] = [None] * count
        self.left = count
        self.answered = threading.Event()
        if not count:
            self.answered.set()

    def put(self, index: int, outcome: Outcome) -> None:
        self.outcomes[index] = outcome
        self.left -= 1
        if not self.left:
            self.answered.set()


class RenderActor:
    """One Blender worker behind a Ray actor, fed by one `Feeder` loop in its own thread."""

    def __init__(self, n: int, setup: ActorSetup):
        self.n, self.setup = n, setup
        self.node = socket.gethostname()
        self.visible = ""
        self.lock = threading.Lock()
        self.inbox: queue.Queue[Task] = queue.Queue()
        self.waiting: dict[int, tuple[_Call, int]] = {}  # id(task) -> its call and place
        self.started: list[WorkerStarted] = []
        self.loop: threading.Thread | None = None
        self.error: BaseException | None = None

    def _start_loop(self) -> None:
        """Check the folder, pin devices and start the loop, once per actor process (a
        restarted actor, maybe on another node, starts here again)."""
        with self.lock:
            if self.loop is not None:
                return
            import ray  # only actors import it; the module stays importable without ray

            check_shared_folder(self.setup, self.node)
            self.visible = pin_devices(ray.get_gpu_ids())
            folder = DatasetFolder(self.setup.root)
            tag = f"{self.node}-{os.getpid()}"
            scratch = folder.scratch / tag
            log = folder.logs / f"worker-ray{self.n}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            with open(log, "a") as f:
                f.write(f"comco ray actor {os.getpid()} on {self.node}\n")
            client = WorkerClient(replace(self.setup.feed.options, scratch=scratch), log)
            feeder = Feeder(client, self.setup.feed, scratch / "render", tag, self._worker_started)
            self.loop = threading.Thread(target=self._feed, args=(feeder,), daemon=True)
            self.loop.start()

    def _feed(self, feeder: Feeder) -> None:
        try:
            feeder.run(self._next, self._report, lambda: False)
        except BaseException as error:  # WorkerStartError, or a runner bug: every call fails
            self.error = error

    def _next(self, wait: bool) -> Task | None:
        try:
            return self.inbox.get(block=wait)
        except queue.Empty:
            return None

    def _report(self, task: Task, outcome: Outcome) -> None:
        with self.lock:
            call, index = self.waiting.pop(id(task))
            call.put(index, outcome)

    def _worker_started(self, ready: Ready) -> None:
        started = WorkerStarted(ready.device, ready.blender_version, ready.pid, self.visible)
        with self.lock:
            self.started.append(started)

    def render(self, wires: list[WireTask]) -> Chunk:
        """Render the tasks; one already finished (by an earlier call that died) counts as
        kept."""
        self._start_loop()
        tasks = [from_wire(wire) for wire in wires]
        call = _Call(len(tasks))
        finished = [task.annotation.is_file() and pair_problem(task) is None for task in tasks]
        with self.lock:
            for index, task in enumerate(tasks):
                if finished[index]:
                    call.put(index, Outcome(TaskState.kept, sizes=written_sizes(task)))
                    continue
                self.waiting[id(task)] = (call, index)
                self.inbox.put(task)
        while not call.answered.wait(timeout=0.1):
            if self.error is not None:
                raise self.error
        with self.lock:
            started, self.started = self.started, []
        outcomes = [outcome for outcome in call.outcomes if outcome is not None]
        return Chunk(self.node, os.getpid(), outcomes=outcomes, started=started)
