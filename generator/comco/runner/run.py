"""A render run: resume where the last one stopped, render the rest on K workers, summarise.

Each worker slot is a thread that owns one worker process and pulls tasks from a shared
queue; the heavy work happens in the worker processes, the threads only wait on pipes and
write annotations. A task that crashes a worker is queued again once; a second crash
records it as rejected. Workers are replaced after `recycle_after` images to bound memory.
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

from comco.assets.library import changed_assets, load_manifest
from comco.atomic import temp_path, write_atomic
from comco.dataset.folder import DatasetError, DatasetFolder, FolderBusy
from comco.measure import QualityGates
from comco.runner.journal import JournalError, RejectedLog, RejectionStage
from comco.runner.outputs import CAPTION_STYLE, finish
from comco.runner.provenance import DatasetRecord, ProvenanceError, check_library
from comco.runner.tasks import Task, gallery_tasks, scene_tasks
from comco.runner.worker_client import WorkerClient, WorkerCrashed, WorkerOptions
from comco.worker_protocol import Job, Ready

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
    lock: threading.Lock = field(default_factory=threading.Lock)


class RunError(RuntimeError):
    """The run cannot go on (a worker could not start: no device, broken library)."""


class _Slot(threading.Thread):
    """One worker process and the thread that feeds it."""

    def __init__(self, n: int, run: _Run):
        super().__init__(name=f"render-slot-{n}", daemon=True)
        self.n, self.run_ = n, run
        self.client = WorkerClient(run.options, run.folder.logs / f"worker-{n}.log")

    def run(self) -> None:
        r = self.run_
        try:
            while not r.stop.is_set():
                try:
                    task = r.tasks.get_nowait()
                except queue.Empty:
                    return
                self._render(task)
        except Exception as error:  # WorkerStartError, or a runner bug: stop the run, show it
            r.fail(error)
        finally:
            self.client.stop()

    def _render(self, task: Task) -> None:
        r = self.run_
        ready = start_if_needed(self.client, r.config.recycle_after)
        if ready is not None:
            r.record.note_worker(ready.device, ready.blender_version)
            with r.stats.lock:
                if ready.device not in r.stats.devices:
                    r.stats.devices.add(ready.device)
                    tqdm.write(
                        f"worker {self.n}: rendering on {ready.device} (pid {ready.pid})",
                        file=sys.stderr,
                    )
        arrays = r.folder.scratch / f"slot{self.n}.npz"
        try:
            kept = render_task(
                self.client, task, arrays, f"{self.n}", r.library_sha256, r.config.gates, r.rejected
            )
        except WorkerCrashed as error:
            task.crashes += 1
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
            return
        r.advance(kept)


def start_if_needed(client: WorkerClient, recycle_after: int) -> Ready | None:
    """(Re)start the worker when it is not running or has done `recycle_after` images (memory
    stays flat); return its Ready message when it was started, else None."""
    if client.process is not None and client.jobs_done < recycle_after:
        return None
    client.stop()
    return client.start()


def render_task(
    client: WorkerClient,
    task: Task,
    arrays: Path,
    tag: str,
    library_sha256: str,
    gates: QualityGates,
    rejected: RejectedLog,
) -> bool:
    """Render one task on a started worker, then keep it (PNG + JSON, atomically) or record
    why not; True when kept. Shared by every engine, so all write the same files. A worker
    that dies or hangs raises WorkerCrashed and leaves no file behind."""
    task.png.parent.mkdir(parents=True, exist_ok=True)
    png_temp = temp_path(task.png, tag)
    try:
        done = client.render(Job(spec=task.spec, png=str(png_temp), arrays=str(arrays)))
    except WorkerCrashed:
        png_temp.unlink(missing_ok=True)
        raise
    assert client.ready is not None
    kept = finish(task, done, png_temp, arrays, client.ready, library_sha256, gates, rejected)
    arrays.unlink(missing_ok=True)
    return kept


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
            todo = gallery_tasks(specs[0], folder, self.rejected) + todo
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
            "rejected": self.stats.rejected,
            "rejected_total": len(self.rejected.keys),
            "rejected_before": rejected_before,
            "stray_temp_files_removed": strays,
            "seconds": round(elapsed, 2),
            "images_per_s": round(self.stats.rendered / elapsed, 3) if elapsed > 0 else 0.0,
            **engine,
            "devices": sorted(self.stats.devices),
            "missing_assets": missing,
        }
        write_atomic(folder.summary, json.dumps(summary, indent=2))
        return summary


def run(config: RunConfig) -> dict:
    """Render every spec of `config.specs` not yet done; return the summary (also saved)."""
    if config.engine == "ray":
        from comco.runner.ray_engine import RayRun  # needs the optional `ray` package

        return RayRun(config).execute()
    return _Run(config).execute()
