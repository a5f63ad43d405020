"""A render run: resume where the last one stopped, render the rest on an engine, summarise.

The run owns the dataset folder (lock, stray clean-up, dataset.json, rejected.jsonl,
summary.json) and decides what is left to do; the engine (`comco.runner.engine`: local
worker processes, or Ray actors) renders it, every outcome going through the run's ledger.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from comco.annotate.measure import QualityGates
from comco.assets.library import changed_assets, load_manifest
from comco.dataset.folder import DatasetError, DatasetFolder, FolderBusy
from comco.io.atomic import write_atomic
from comco.runner.completion import CompletionLog
from comco.runner.engine import Engine, RunError
from comco.runner.feeder import FeedSetup, job_for
from comco.runner.journal import JournalError, RejectedLog, RejectionStage
from comco.runner.ledger import Ledger, RunStats
from comco.runner.local_engine import LocalEngine
from comco.runner.outputs import CAPTION_STYLE
from comco.runner.provenance import DatasetRecord, ProvenanceError, check_library
from comco.runner.spec_digests import SpecsChanged
from comco.runner.tasks import Task, gallery_tasks, scene_tasks, valid_specs
from comco.runner.worker_client import WorkerOptions

__all__ = ["RunConfig", "RunError", "job_for", "run"]


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
    job_timeout_s: float = WorkerOptions.job_timeout_s
    gates: QualityGates = field(default_factory=QualityGates)
    progress: bool = True
    engine: str = "local"  # or "ray": see comco.runner.ray_engine
    address: str | None = None  # ray: a cluster ("auto", HOST:PORT) or None for a local one
    gpus_per_worker: float = 0.0  # ray: GPUs each worker reserves (fractions share a GPU)


class Run:
    """One `comco render` into one folder, on one engine."""

    def __init__(self, config: RunConfig, engine: Engine):
        self.config, self.engine = config, engine
        self.folder = DatasetFolder(config.out)
        self.stats = RunStats()
        self.manifest = load_manifest(config.library)
        self.setup = FeedSetup(
            options=WorkerOptions(
                library=config.library.resolve(),
                scratch=self.folder.scratch.resolve(),
                device=config.device,
                require_gpu=config.require_gpu,
                threads=config.threads,
                job_timeout_s=config.job_timeout_s,
            ),
            library_sha256=self.manifest.library_sha256,
            gates=config.gates,
            recycle_after=config.recycle_after,
        )

    def _without_missing_assets(
        self, todo: list[Task], rejected: RejectedLog
    ) -> tuple[list[Task], list[str]]:
        """Reject tasks whose categories the library lacks, before any worker sees them."""
        available, kept, missing = set(self.manifest.assets), [], set()
        for task in todo:
            absent = sorted(set(task.categories) - available)
            if not absent:
                kept.append(task)
                continue
            missing.update(absent)
            reason = f"asset library {self.config.library} has no asset for {absent}"
            spec = task.spec
            dumped = spec.model_dump(mode="json")
            rejected.add(task.key, reason, RejectionStage.asset, id=spec.id, spec=dumped)
        if missing:
            tqdm.write(f"warning: no assets for {sorted(missing)}", file=sys.stderr)
        return kept, sorted(missing)

    def execute(self) -> dict:
        try:
            self.folder.require_renderable()
            # the engine's session (Ray's start) comes before the folder is touched
            with self.engine.session(), self.folder.exclusive():
                return self._execute()
        except (DatasetError, FolderBusy, JournalError, ProvenanceError, SpecsChanged) as error:
            raise RunError(str(error)) from error

    def _execute(self) -> dict:
        folder, config = self.folder, self.config
        library_sha256 = self.setup.library_sha256
        previous = folder.read_info()
        check_library(previous, folder.root, config.library, library_sha256)
        rejected = RejectedLog(folder.rejected)
        rejected_before = len(rejected.keys)
        completed = CompletionLog(folder.completed)
        # first, as it refuses changed specs before anything in the folder changes
        scan = scene_tasks(
            config.specs,
            folder,
            rejected,
            config.limit,
            completed=completed,
            known_facts=previous.spec_facts if previous else None,
        )
        folder.summary.unlink(missing_ok=True)  # present only while no run is in progress
        strays = folder.clean_strays()
        folder.scratch.mkdir(parents=True)
        record = DatasetRecord(
            folder,
            previous,
            library=config.library,
            library_sha256=library_sha256,
            specs_file=config.specs,
            facts=scan.facts,
            limit=config.limit,
            caption_style=CAPTION_STYLE,
            gates=config.gates,
        )
        todo = scan.tasks
        if config.gallery and scan.specs:
            specs = valid_specs(config.specs, config.limit)  # read only for a gallery left to do
            todo = gallery_tasks(scan.facts.vocabs, specs, folder, rejected, completed) + todo
        todo, missing = self._without_missing_assets(todo, rejected)
        self.stats.rejected = rejected.added  # invalid specs and missing assets, so far
        changed = changed_assets(
            config.library, self.manifest, {c for t in todo for c in t.categories}
        )
        if changed:
            raise RunError(
                f"library: {'; '.join(changed)}; rebuild it with `comco assets build "
                f"--library {config.library}` (or render with the library it came from)"
            )
        ledger = Ledger(rejected, completed, record, self.stats)
        start = time.perf_counter()
        with tqdm(
            total=len(todo), unit="img", disable=not config.progress, smoothing=0.1
        ) as ledger.bar:
            engine = self.engine.render(todo, folder, self.setup, ledger)
        elapsed = time.perf_counter() - start
        shutil.rmtree(folder.scratch, ignore_errors=True)
        if ledger.error is not None:
            raise RunError(str(ledger.error)) from ledger.error
        record.mark_finished()
        summary = {
            "specs": scan.specs,
            "already_done": scan.finished,
            "rendered": self.stats.rendered,
            "gallery_rendered": sum(
                t.annotation.is_file() for t in todo if t.key.startswith("gallery:")
            ),
            "rejected": self.stats.rejected,
            "rejected_total": len(rejected.keys),
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
        from comco.runner.ray_engine import RayEngine  # needs the optional `ray` package

        # actors run elsewhere, in another working directory: every path must be absolute
        absolute = {name: getattr(config, name).resolve() for name in ("specs", "out", "library")}
        config = dataclasses.replace(config, **absolute)
        engine: Engine = RayEngine(
            config.address, config.workers, config.threads, config.gpus_per_worker
        )
    else:
        engine = LocalEngine(config.workers or 1)
    return Run(config, engine).execute()
