"""The runner's handle on one render worker subprocess (see `comco.render.protocol`)."""

from __future__ import annotations

import contextlib
import os
import select
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from comco.render.protocol import Done, Job, Ready

STARTUP_TIMEOUT_S = 600.0
LOG_LIMIT_BYTES = 20_000_000
STOP_TIMEOUT_S = 20.0


class WorkerCrashed(RuntimeError):
    """The worker process died or hung while rendering."""


class WorkerStartError(RuntimeError):
    """The worker could not set up its scene or device; the run cannot go on."""


@dataclass(frozen=True)
class WorkerOptions:
    """How every worker of a run is started."""

    library: Path
    scratch: Path
    device: str = "auto"
    require_gpu: bool = False
    threads: int = 0
    job_timeout_s: float = 600.0
    # the worker program: any module that speaks `comco.render.protocol` and takes these
    # options (benchmarks/driver_load.py runs a stand-in that answers from cached renders)
    module: str = "comco.render.worker"


def log_tail(path: Path, limit: int = 1500) -> str:
    """The end of a worker log, for error messages."""
    if not path.is_file():
        return ""
    with open(path, "rb") as f:
        f.seek(max(0, path.stat().st_size - limit))
        return f.read().decode(errors="replace").strip()


class WorkerClient:
    """Start, talk to and stop one `python -m comco.render.worker` process."""

    def __init__(self, options: WorkerOptions, log_path: Path):
        self.options = options
        self.log_path = log_path
        self.process: subprocess.Popen[str] | None = None
        self.ready: Ready | None = None
        self.jobs_done = 0

    def start(self) -> Ready:
        o = self.options
        command = [sys.executable, "-m", o.module, "--library", str(o.library)]
        command += ["--scratch", str(o.scratch), "--device", o.device, "--threads", str(o.threads)]
        if o.require_gpu:
            command.append("--require-gpu")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.log_path.is_file() and self.log_path.stat().st_size > LOG_LIMIT_BYTES:
            self.log_path.unlink()
        # One BLAS thread: the worker's numpy work is small, and OpenBLAS's idle threads spin
        # on the cores Cycles renders with (path tracing was 20-60 ms slower per 224 px, 8 spp
        # image on 2 cores with them).
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                env=env,
            )
        line = self._read_line(STARTUP_TIMEOUT_S)
        if line is None:
            code = self.kill()
            raise WorkerStartError(
                f"render worker failed to start (exit code {code}); log {self.log_path}:\n"
                f"{log_tail(self.log_path)}"
            )
        self.ready = Ready.model_validate_json(line)
        self.jobs_done = 0
        return self.ready

    def _read_line(self, timeout_s: float) -> str | None:
        """The worker's next answer line; None when it hung, died, or died mid-line (a line
        without its newline is the start of an answer cut short, not an answer)."""
        assert self.process is not None and self.process.stdout is not None
        readable, _, _ = select.select([self.process.stdout], [], [], timeout_s)
        if not readable:
            return None
        line = self.process.stdout.readline()
        return line if line.endswith("\n") else None

    def render(self, job: Job) -> Done:
        """Send one job and wait for its answer; a dead or hung worker raises WorkerCrashed."""
        self.send(job)
        return self.receive(job)

    def send(self, job: Job) -> None:
        """Hand the worker a job without waiting, so the caller can work meanwhile; every
        `send` must be followed by `receive` of the same job before the next `send`."""
        assert self.process is not None and self.process.stdin is not None
        try:
            self.process.stdin.write(job.model_dump_json() + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # reported by `receive` as a crash with the exit code

    def receive(self, job: Job) -> Done:
        """The answer to the job last sent; a dead or hung worker raises WorkerCrashed."""
        line = self._read_line(self.options.job_timeout_s)
        if line is None:
            code = self.kill()
            raise WorkerCrashed(
                f"render worker died or hung on {job.spec.id!r} (exit code {code}); "
                f"log {self.log_path}:\n{log_tail(self.log_path)}"
            )
        try:
            done = Done.model_validate_json(line)
        except ValidationError as error:
            self.kill()
            raise WorkerCrashed(
                f"render worker answered {line[:200]!r} on {job.spec.id!r}, not a Done message "
                f"({error.error_count()} errors); log {self.log_path}"
            ) from error
        self.jobs_done += 1
        return done

    def kill(self) -> int | None:
        """End a worker that hung or broke the protocol at once; return its exit code."""
        if self.process is None:
            return None
        process, self.process = self.process, None
        process.kill()
        return _reap(process)

    def stop(self) -> int | None:
        """Ask the worker to finish (EOF), kill it if it does not; return its exit code."""
        if self.process is None:
            return None
        process, self.process = self.process, None
        with contextlib.suppress(BrokenPipeError):
            if process.stdin:
                process.stdin.close()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
        return _reap(process)


def _reap(process: subprocess.Popen[str]) -> int:
    """Wait for a worker that is ending and close the runner's ends of its pipes."""
    code = process.wait()
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            with contextlib.suppress(BrokenPipeError):
                pipe.close()
    return code
