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
from comco.worker_protocol import Job

MAX_CRASHES = 2


@dataclass(frozen=True)
class RunConfig:
    """Everything `comco render` was asked to do."""

    specs: Path
    out: Path
    library: Path
    workers: int = 1
    device: str = "auto"
    require_gpu: bool = False
    threads: int = 0
    gallery: bool = True
    limit: int | None = None
    recycle_after: int = 1000
    job_timeout_s: float = 600.0
    gates: QualityGates = field(default_factory=QualityGates)
    progress: bool = True


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
        if self.client.process is None or self.client.jobs_done >= r.config.recycle_after:
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
        task.png.parent.mkdir(parents=True, exist_ok=True)
        png_temp = temp_path(task.png, f"{self.n}")
        arrays = r.folder.scratch / f"slot{self.n}.npz"
        try:
            done = self.client.render(Job(spec=task.spec, png=str(png_temp), arrays=str(arrays)))
        except WorkerCrashed as error:
            task.crashes += 1
            png_temp.unlink(missing_ok=True)
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
        assert self.client.ready is not None
        kept = finish(
            task,
            done,
            png_temp,
            arrays,
            self.client.ready,
            r.library_sha256,
            r.config.gates,
            r.rejected,
        )
        arrays.unlink(missing_ok=True)
        r.advance(kept)


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
        for task in todo:
            self.tasks.put(task)
        start = time.perf_counter()
        slots = (
            [_Slot(n, self) for n in range(max(1, min(config.workers, len(todo))))] if todo else []
        )
        with tqdm(
            total=len(todo), unit="img", disable=not config.progress, smoothing=0.1
        ) as self.bar:
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
            "workers": len(slots),
            "devices": sorted(self.stats.devices),
            "missing_assets": missing,
        }
        write_atomic(folder.summary, json.dumps(summary, indent=2))
        return summary


def run(config: RunConfig) -> dict:
    """Render every spec of `config.specs` not yet done; return the summary (also saved)."""
    return _Run(config).execute()
