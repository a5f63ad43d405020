"""`comco render --engine ray`: the local run's contract, rendered by Ray actors.

The driver (this process) runs the same `Run` as a local run: the folder lock, resume, the
journal (rejected.jsonl), dataset.json, the progress bar and summary.json. This engine
feeds tasks to `RenderActor`s (`comco.runner.ray_actor`) in calls of about a second
of work each (`comco.runner.chunk_sizer`), at most IN_FLIGHT calls per actor (each actor
takes that many at once, so its worker never waits for the driver), and the actors write
images and annotations straight into the folder, with their sizes in each outcome. The
driver settles each call's outcomes with one append per journal and stats no file. An actor
(or node) that dies loses only the tasks of its calls in flight: they go back in the queue
for any actor, and Ray restarts the actor up to MAX_RESTARTS times. A Blender worker that
dies inside a live actor is a crash, and the run's ledger applies the crash policy to it,
as in a local run.
"""

from __future__ import annotations

import logging
import math
import secrets
import socket
import sys
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tqdm import tqdm

from comco.dataset.folder import DatasetFolder
from comco.io.atomic import temp_path, write_atomic
from comco.runner.chunk_sizer import ChunkSizer
from comco.runner.engine import RunError
from comco.runner.feeder import FeedSetup
from comco.runner.ledger import Ledger
from comco.runner.ray_actor import RUN_MARKER, ActorSetup, Chunk, RenderActor, to_wire
from comco.runner.states import TaskState
from comco.runner.tasks import Task

IN_FLIGHT = 2  # calls queued per actor, so an actor never waits for the driver
MAX_RESTARTS = 3  # per actor; a run whose actors all died for good stops with an error
PROBE_TIMEOUT_S = 5.0
# How long the driver gathers answers before it settles them and sends the next calls: each
# pass costs it CPU however few answers it takes, and with a call already queued on every
# actor (~0.75 s of work), a 50 ms wait leaves none of them idle.
GATHER_S = 0.05


def remove_temporaries(tasks: list[Task]) -> None:
    """Delete what dead actors left half-written for these tasks (their retries wrote the
    real files): the temporary image and JSON beside each final path, whatever its tag."""
    for task in tasks:
        for final in (task.png, task.annotation):
            for stray in final.parent.glob(temp_path(final, "*").name):
                stray.unlink(missing_ok=True)


def import_ray() -> Any:
    """The ray module, or a one-line error that says how to get it."""
    try:
        import ray
    except ImportError:
        raise RunError(
            "--engine ray: the ray package is not installed; run `pip install -e '.[ray]'` "
            "(or render with --engine local)"
        ) from None
    return ray


def check_address(address: str) -> None:
    """Fail at once, not after Ray's minute of retries, when nothing answers at HOST:PORT."""
    if address == "auto":
        return
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise RunError(f"--address: {address!r} is not 'auto' or HOST:PORT of a Ray head node")
    try:
        socket.create_connection((host, int(port)), timeout=PROBE_TIMEOUT_S).close()
    except OSError as error:
        raise RunError(
            f"--address: no Ray cluster answers at {address} ({error.strerror or error}); "
            "start one with `ray start --head` on the head node and pass its address"
        ) from None


def connect(address: str | None) -> bool:
    """Join the cluster at `address`, or start a private Ray on this machine (127.0.0.1)
    when it is None; True when this process must shut Ray down again. A Ray that the
    caller already started is used as it is."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    if address is None:
        ray.init(
            address="local",
            _node_ip_address="127.0.0.1",
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,  # a private instance: its start-up notes are noise
        )
        return True
    check_address(address)
    try:
        ray.init(address=address, log_to_driver=False)
    except ConnectionError as error:
        raise RunError(f"--address: {address}: {error}") from None
    return True


def plan_workers(
    resources: dict[str, float], requested: int | None, cpus: int, gpus: float, tasks: int
) -> int:
    """How many actors to start: `requested`, or as many as the cluster holds, never more
    than there are tasks; a request the cluster cannot hold is an error, not a hang."""
    if gpus > 0:
        holds = math.floor(resources.get("GPU", 0) / gpus + 1e-9)
        unit = f"{gpus:g} GPU and {cpus} CPU"
    else:
        holds = math.floor(resources.get("CPU", 0) / cpus + 1e-9)
        unit = f"{cpus} CPU"
    holds = min(holds, math.floor(resources.get("CPU", 0) / cpus + 1e-9))
    found = f"{resources.get('GPU', 0):g} GPU(s), {resources.get('CPU', 0):g} CPU(s)"
    if holds < 1 or (requested is not None and requested > holds):
        flag = (
            f"--workers {requested}"
            if requested
            else f"--gpus-per-worker {gpus:g}"
            if gpus > 0
            else f"--threads {cpus}"
        )
        raise RunError(
            f"{flag}: the Ray cluster ({found}) holds {holds} worker(s) of {unit} each; "
            "ask for fewer, or add nodes"
        )
    return min(requested or holds, tasks)


class RayEngine:
    """Ray actors, one Blender worker each, on a cluster or a private Ray on this machine."""

    def __init__(
        self,
        address: str | None,
        workers: int | None,
        threads: int,
        gpus_per_worker: float,
        actor: type = RenderActor,
    ):
        """`actor`: the class each actor runs (a benchmark's stand-in takes RenderActor's
        place, with its `__init__(n, setup)` and `render(wires) -> Chunk`)."""
        self.address, self.workers, self.actor = address, workers, actor
        self.cpus, self.gpus = max(1, threads), gpus_per_worker
        self.nodes: dict[str, Counter] = {}  # node -> rendered, rejected
        self.node_workers: dict[str, set[int]] = {}  # node -> actors that started a worker

    @contextmanager
    def session(self) -> Iterator[None]:
        owns_ray = connect(self.address)
        try:
            yield
        finally:
            if owns_ray:
                import_ray().shutdown()

    def render(
        self, todo: list[Task], folder: DatasetFolder, setup: FeedSetup, ledger: Ledger
    ) -> dict[str, Any]:
        if not todo:
            return {"engine": "ray", "workers": 0, "nodes": {}}
        ray = import_ray()
        count = plan_workers(ray.cluster_resources(), self.workers, self.cpus, self.gpus, len(todo))
        token = secrets.token_hex(16)
        write_atomic(folder.scratch / RUN_MARKER, token)
        remote = ray.remote(self.actor).options(
            num_cpus=self.cpus,
            num_gpus=self.gpus,
            max_restarts=MAX_RESTARTS,
            max_task_retries=0,
            max_concurrency=IN_FLIGHT,  # a threaded actor: its next call waits inside it
        )
        actor_setup = ActorSetup(root=folder.root, token=token, feed=setup)
        actors = [remote.remote(n, actor_setup) for n in range(count)]
        lost: list[Task] = []
        try:
            self._drive(ray, actors, deque(todo), lost, folder, ledger)
        finally:
            for actor in actors:
                ray.kill(actor)  # its Blender worker dies with it (PR_SET_PDEATHSIG)
        remove_temporaries(lost)
        nodes = {
            node: {
                "workers": len(self.node_workers.get(node, ())),
                "rendered": counts["rendered"],
                "rejected": counts["rejected"],
            }
            for node, counts in sorted(self.nodes.items())
        }
        return {"engine": "ray", "workers": count, "nodes": nodes}

    def _drive(
        self,
        ray: Any,
        actors: list,
        queue: deque[Task],
        lost: list[Task],
        folder: DatasetFolder,
        ledger: Ledger,
    ) -> None:
        """Keep every live actor busy until the queue is empty and no call is in flight."""
        inflight: dict[Any, tuple[int, list[Task], int]] = {}  # ref -> actor, tasks, epoch
        epochs, deaths = [0] * len(actors), [0] * len(actors)
        answered: list[float | None] = [None] * len(actors)  # when each actor last answered
        hungry = [n for _ in range(IN_FLIGHT) for n in range(len(actors))]  # free call slots
        started: dict[int, str] = {}
        alive = set(range(len(actors)))
        sizer = ChunkSizer()
        while queue or inflight:
            while hungry and queue:
                n = hungry.pop()
                if n not in alive:
                    continue
                size = sizer.size(len(queue), IN_FLIGHT * len(alive))
                tasks = [queue.popleft() for _ in range(size)]
                inflight[actors[n].render.remote([to_wire(t) for t in tasks])] = (
                    n,
                    tasks,
                    epochs[n],
                )
            if not inflight:
                raise RunError(
                    f"every Ray worker died {MAX_RESTARTS + 1} times; see the worker logs "
                    f"in {folder.logs} and `ray status`"
                )
            # every answer that comes in within GATHER_S, settled together
            ready, _ = ray.wait(list(inflight), num_returns=len(inflight), timeout=GATHER_S)
            now = time.monotonic()
            for ref in ready:
                n, tasks, epoch = inflight.pop(ref)
                hungry.append(n)
                try:
                    chunk: Chunk = ray.get(ref)
                except ray.exceptions.RayActorError:
                    # the actor process or its node died: nothing of this call is counted,
                    # so its tasks go back whole (finished ones are found done and skipped)
                    queue.extendleft(reversed(tasks))
                    lost += tasks
                    answered[n] = None  # its restart's first answer is no working time
                    if epoch == epochs[n]:
                        epochs[n] += 1
                        deaths[n] += 1
                        if deaths[n] > MAX_RESTARTS:
                            alive.discard(n)
                    continue
                except ray.exceptions.RayTaskError as error:  # raised in the actor's code
                    raise RunError(f"ray worker {n}: {error.cause}") from error.cause
                if answered[n] is not None:
                    sizer.observe(len(tasks), now - answered[n])
                answered[n] = now
                self._take(n, tasks, chunk, queue, started, ledger)

    def _take(
        self,
        n: int,
        tasks: list[Task],
        chunk: Chunk,
        queue: deque[Task],
        started: dict[int, str],
        ledger: Ledger,
    ) -> None:
        """Settle one actor call (one journal append for all its outcomes) and show it."""
        requeued = ledger.settle_all(list(zip(tasks, chunk.outcomes, strict=True)))
        queue.extend(requeued)  # a crash the policy sends back is not counted yet
        kept = sum(outcome.state is TaskState.kept for outcome in chunk.outcomes)
        counts = self.nodes.setdefault(chunk.node, Counter())
        counts["rendered"] += kept
        counts["rejected"] += len(tasks) - kept - len(requeued)
        for worker in chunk.started:
            ledger.worker_started(worker.device, worker.blender_version)
            self.node_workers.setdefault(chunk.node, set()).add(n)
            if started.get(n) != f"{chunk.node} {worker.device}":  # first start, or moved
                started[n] = f"{chunk.node} {worker.device}"
                tqdm.write(
                    f"worker {n} on {chunk.node}: rendering on {worker.device} "
                    f"(pid {worker.pid}, CUDA_VISIBLE_DEVICES={worker.cuda_visible_devices!r})",
                    file=sys.stderr,
                )
