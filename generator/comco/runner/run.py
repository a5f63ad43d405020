"""A render run: resume where the last one stopped, render the rest on K workers, summarise.

Each worker slot is a thread that owns one worker process and pulls tasks from a shared
queue; the heavy work happens in the worker processes, the threads only wait on pipes and
write annotations. A slot hands its worker the next job before it annotates and writes the
image just rendered, so the worker renders while the runner does its bookkeeping (a kill
can leave that one image unwritten; resume renders it again).
A task that crashes a worker is queued again once; a second crash records it as rejected.
Workers are replaced after `recycle_after` images to bound memory.
"""

from __future__ import annotations

import json
import queue
import shutil
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from comco.annotate.measure import QualityGates
from comco.assets.library import changed_assets, load_manifest
from comco.dataset.folder import DatasetError, DatasetFolder, FolderBusy
from comco.io.atomic import temp_path, write_atomic
from comco.render.protocol import Done, Job, Ready
from comco.render.stages import Stopwatch
from comco.runner.journal import JournalError, RejectedLog, RejectionStage
from comco.runner.outputs import CAPTION_STYLE, discard, finish
from comco.runner.provenance import DatasetRecord, ProvenanceError, check_library
from comco.runner.tasks import Task, gallery_tasks, scene_tasks
from comco.runner.worker_client import WorkerClient, WorkerCrashed, WorkerOptions

MAX_CRASHES = 2


@dataclass(frozen=True)
class RunConfig:
    """Everything `comco render` was asked to do."""

    specs: Path
    out: Path
    library: Path
    workers: int | None = 1  # None: as many as the Ray cluster holds (local: 1)
    device: str = "auto"
    require_gpu: bool = False
    threads: int = 0
    gallery: bool = True
    limit: int | None = None
    recycle_after: int = 1000
    job_timeout_s: float = 600.0
    gates: QualityGates = field(default_factory=QualityGates)
    progress: bool = True
    engine: str = "local"  # or "ray": see comco.runner.ray_engine
    address: str | None = None  # ray: a cluster ("auto", HOST:PORT) or None for a local one
    gpus_per_worker: float = 0.0  # ray: GPUs each worker reserves (fractions share a GPU)


@dataclass
class RunStats:
    """Counts of this run, shared by the worker threads."""

    rendered: int = 0
    rejected: int = 0
    devices: set[str] = field(default_factory=set)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    warm_images: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_stages(self, stages: dict[str, float]) -> None:
        with self.lock:
            self.warm_images += 1
            for name, seconds in stages.items():
                self.stage_seconds[name] = self.stage_seconds.get(name, 0.0) + seconds

    def stage_ms(self) -> dict[str, float]:
        """Mean milliseconds per image of each worker and runner stage, over warm images
        (not a worker's first, no asset imported for it)."""
        n = max(1, self.warm_images)
        return {name: round(1000 * s / n, 2) for name, s in self.stage_seconds.items()}


class RunError(RuntimeError):
    """The run cannot go on (a worker could not start: no device, broken library)."""


@dataclass
class _Rendered:
    """An image the worker has answered for, waiting to be annotated and written."""

    task: Task
    done: Done
    job: Job
    ready: Ready
    clock: Stopwatch
    warm: bool


class _Slot(threading.Thread):
    """One worker process and the thread that feeds it."""

    def __init__(self, n: int, run: _Run):
        super().__init__(name=f"render-slot-{n}", daemon=True)
        self.n, self.run_ = n, run
        self.client = WorkerClient(run.options, run.folder.logs / f"worker-{n}.log")
        self.rendered: _Rendered | None = None
        self.images = 0

    def run(self) -> None:
        r = self.run_
        try:
            while not r.stop.is_set():
                try:
                    task = r.tasks.get_nowait()
                except queue.Empty:
                    break
                self._render(task)
            self._finish_rendered()
        except Exception as error:  # WorkerStartError, or a runner bug: stop the run, show it
            r.fail(error)
        finally:
            self.client.stop()

    def _start_worker(self) -> None:
        r = self.run_
        self.client.stop()
        ready = self.client.start()
        r.record.note_worker(ready.device, ready.blender_version)
        with r.stats.lock:
            if ready.device not in r.stats.devices:
                r.stats.devices.add(ready.device)
                tqdm.write(
                    f"worker {self.n}: rendering on {ready.device} (pid {ready.pid})",
                    file=sys.stderr,
                )

    def _render(self, task: Task) -> None:
        r = self.run_
        if needs_start(self.client, r.config.recycle_after):
            self._finish_rendered()  # whatever happens to the new worker, keep that image
            self._start_worker()
        self.images += 1  # two sets of files in turn: one is read while the next is written
        job = job_for(task, r.folder.scratch / f"slot{self.n}-{self.images % 2}", f"{self.n}")
        began = time.perf_counter()
        self.client.send(job)
        sent = time.perf_counter()
        self._finish_rendered()  # the previous image, while the worker renders this one
        finished = time.perf_counter()
        try:
            done = self.client.receive(job)
        except WorkerCrashed as error:
            self._crashed(task, job, error)
            return
        received = time.perf_counter()
        clock = Stopwatch()
        # time the worker sat idle because the runner's bookkeeping outlasted the render
        runner_wait = max(0.0, finished - sent - done.seconds)
        clock.add("round_trip", received - began - done.seconds - runner_wait)
        clock.add("runner_wait", runner_wait)
        assert self.client.ready is not None
        # a worker's first image, and one that imports an asset, also pay one-off set-up
        warm = self.client.jobs_done > 1 and "asset_import" not in done.stages
        self.rendered = _Rendered(task, done, job, self.client.ready, clock, warm)

    def _crashed(self, task: Task, job: Job, error: WorkerCrashed) -> None:
        r = self.run_
        task.crashes += 1
        discard(job)
        if task.crashes < MAX_CRASHES:
            r.tasks.put(task)
            return
        r.rejected.add(
            task.key,
            str(error),
            RejectionStage.crash,
            id=task.spec.id,
            spec=task.spec.model_dump(mode="json"),
        )
        r.advance(kept=False)

    def _finish_rendered(self) -> None:
        """Annotate and write the image the worker last answered for, then count it."""
        if self.rendered is None:
            return
        r, x = self.run_, self.rendered
        self.rendered = None
        x.clock.restart()
        kept = finish(
            x.task, x.done, x.job, x.ready, r.library_sha256, r.config.gates, r.rejected, x.clock
        )
        if x.done.ok and x.warm:
            r.stats.add_stages({**x.done.stages, **x.clock.stages})
        r.advance(kept)


def needs_start(client: WorkerClient, recycle_after: int) -> bool:
    """True when the worker is not running, or has done `recycle_after` images and is replaced
    so its memory stays flat."""
    return client.process is None or client.jobs_done >= recycle_after


def start_if_needed(client: WorkerClient, recycle_after: int) -> Ready | None:
    """(Re)start the worker when `needs_start`; its Ready message when started, else None."""
    if not needs_start(client, recycle_after):
        return None
    client.stop()
    return client.start()


def job_for(task: Task, scratch_stem: Path, tag: str) -> Job:
    """The worker's job for a task: its image goes to a temporary name beside the final PNG
    (as SGI, which `finish` encodes to the PNG), its index pass and arrays to `scratch_stem`
    plus .exr and .npz."""
    task.png.parent.mkdir(parents=True, exist_ok=True)
    return Job(
        spec=task.spec,
        png=str(temp_path(task.png, tag)),
        index=str(scratch_stem.with_suffix(".exr")),
        arrays=str(scratch_stem.with_suffix(".npz")),
        image_format="IRIS",
    )


def render_task(
    client: WorkerClient,
    task: Task,
    scratch_stem: Path,
    tag: str,
    library_sha256: str,
    gates: QualityGates,
    rejected: RejectedLog,
) -> bool:
    """Render one task on a started worker and wait, then keep it (PNG + JSON, atomically) or
    record why not; True when kept. The Ray actors use it; the local slots run the same steps
    (`job_for`, `finish`) overlapped with the next render. A worker that dies or hangs raises
    WorkerCrashed and leaves no file behind."""
    job = job_for(task, scratch_stem, tag)
    try:
        done = client.render(job)
    except WorkerCrashed:
        discard(job)
        raise
    assert client.ready is not None
    return finish(task, done, job, client.ready, library_sha256, gates, rejected, Stopwatch())


class _Run:
    def __init__(self, config: RunConfig):
        self.config = config
        self.folder = DatasetFolder(config.out)
        self.stop = threading.Event()
        self.stats = RunStats()
        self.error: BaseException | None = None
        self.tasks: queue.Queue[Task] = queue.Queue()
        self.bar: tqdm | None = None
        self.manifest = load_manifest(config.library)
        self.library_sha256 = self.manifest.library_sha256
        self.options = WorkerOptions(
            library=config.library.resolve(),
            scratch=self.folder.scratch.resolve(),
            device=config.device,
            require_gpu=config.require_gpu,
            threads=config.threads,
            job_timeout_s=config.job_timeout_s,
        )

    def fail(self, error: BaseException) -> None:
        with self.stats.lock:
            self.error = self.error or error
        self.stop.set()

    def advance(self, kept: bool) -> None:
        with self.stats.lock:
            if kept:
                self.stats.rendered += 1
            else:
                self.stats.rejected += 1
            if self.bar is not None:
                self.bar.update(1)

    def _without_missing_assets(self, todo: list[Task]) -> tuple[list[Task], list[str]]:
        """Reject tasks whose categories the library lacks, before any worker sees them."""
        available, kept, missing = set(self.manifest.assets), [], set()
        for task in todo:
            absent = sorted(set(task.spec.categories) - available)
            if not absent:
                kept.append(task)
                continue
            missing.update(absent)
            reason = f"asset library {self.config.library} has no asset for {absent}"
            spec = task.spec.model_dump(mode="json")
            self.rejected.add(task.key, reason, RejectionStage.asset, id=task.spec.id, spec=spec)
            self.stats.rejected += 1
        if missing:
            tqdm.write(f"warning: no assets for {sorted(missing)}", file=sys.stderr)
        return kept, sorted(missing)

    def _render_all(self, todo: list[Task]) -> dict:
        """Render `todo` on local worker threads; return the engine's summary fields."""
        for task in todo:
            self.tasks.put(task)
        workers = self.config.workers or 1
        slots = [_Slot(n, self) for n in range(max(1, min(workers, len(todo))))] if todo else []
        for slot in slots:
            slot.start()
        try:
            for slot in slots:
                while slot.is_alive():
                    slot.join(timeout=0.5)
        except KeyboardInterrupt:
            self.stop.set()
            for slot in slots:
                slot.client.stop()
            raise
        return {"workers": len(slots)}

    def execute(self) -> dict:
        try:
            with self.folder.exclusive():
                return self._execute()
        except (DatasetError, FolderBusy, JournalError, ProvenanceError) as error:
            raise RunError(str(error)) from error

    def _execute(self) -> dict:
        folder, config = self.folder, self.config
        previous = folder.read_info()
        check_library(previous, folder.root, config.library, self.library_sha256)
        folder.summary.unlink(missing_ok=True)  # present only while no run is in progress
        strays = folder.clean_strays()
        folder.scratch.mkdir(parents=True)
        self.rejected = RejectedLog(folder.rejected)
        rejected_before = len(self.rejected.keys)
        todo, specs, finished = scene_tasks(config.specs, folder, self.rejected, config.limit)
        self.record = DatasetRecord(
            folder,
            previous,
            library=config.library,
            library_sha256=self.library_sha256,
            specs_file=config.specs,
            specs=specs,
            limit=config.limit,
            caption_style=CAPTION_STYLE,
            gates=config.gates,
        )
        if config.gallery and specs:
            todo = gallery_tasks(specs, folder, self.rejected) + todo
        todo, missing = self._without_missing_assets(todo)
        changed = changed_assets(
            config.library, self.manifest, {c for t in todo for c in t.spec.categories}
        )
        if changed:
            raise RunError(
                f"library: {'; '.join(changed)}; rebuild it with `comco assets build "
                f"--library {config.library}` (or render with the library it came from)"
            )
        start = time.perf_counter()
        with tqdm(
            total=len(todo), unit="img", disable=not config.progress, smoothing=0.1
        ) as self.bar:
            engine = self._render_all(todo)
        elapsed = time.perf_counter() - start
        shutil.rmtree(folder.scratch, ignore_errors=True)
        if self.error is not None:
            raise RunError(str(self.error)) from self.error
        self.record.finish()
        summary = {
            "specs": len(specs),
            "already_done": finished,
            "rendered": self.stats.rendered,
            "gallery_rendered": sum(t.done for t in todo if t.key.startswith("gallery:")),
            "rejected": self.stats.rejected,
            "rejected_total": len(self.rejected.keys),
            "rejected_before": rejected_before,
            "stray_temp_files_removed": strays,
            "seconds": round(elapsed, 2),
            "images_per_s": round(self.stats.rendered / elapsed, 3) if elapsed > 0 else 0.0,
            **engine,
            "devices": sorted(self.stats.devices),
            "missing_assets": missing,
            "stage_ms": self.stats.stage_ms(),
            "warm_images": self.stats.warm_images,
        }
        write_atomic(folder.summary, json.dumps(summary, indent=2))
        return summary


def run(config: RunConfig) -> dict:
    """Render every spec of `config.specs` not yet done; return the summary (also saved)."""
    if config.engine == "ray":
        from comco.runner.ray_engine import RayRun  # needs the optional `ray` package

        return RayRun(config).execute()
    return _Run(config).execute()
