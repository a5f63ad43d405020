"""The render worker process: `python -m comco.render.worker --library DIR --scratch DIR`.

Reads one `protocol.Job` per line on stdin, answers one `protocol.Done` per line, after a
first `protocol.Ready` line. Blender writes progress to the C-level stdout; the worker keeps
a private duplicate of stdout for its answers and points fd 1 at stderr, so the channel only
ever carries JSON. EOF on stdin (the runner exited or was killed) ends the worker.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import TextIO

import numpy as np

from comco.annotate.silhouette import scene_silhouettes
from comco.core.spec import SceneSpec

SESSION_TMP = "blender-tmp"  # under --scratch: Blender's own temporary folder


def _private_stdout() -> TextIO:
    channel = os.fdopen(os.dup(1), "w", buffering=1)
    sys.stdout.flush()
    os.dup2(2, 1)
    return channel


def _die_with_parent() -> None:
    """On Linux, ask the kernel to kill this worker when the runner dies (even by SIGKILL)."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def _send(channel: TextIO, message) -> None:
    channel.write(message.model_dump_json() + "\n")
    channel.flush()


def _write_silhouettes(
    spec: SceneSpec, meshes: list[tuple[np.ndarray, np.ndarray]], arrays: Path
) -> float:
    """Rasterise the spec's lone silhouettes into the job's arrays file; the seconds it took.
    Needs only the spec and the meshes, so it runs in a thread while Cycles renders."""
    began = time.perf_counter()
    masks, boxes = scene_silhouettes(spec, meshes)
    with open(arrays, "wb") as f:
        np.savez(f, silhouettes=masks, boxes=boxes)
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="comco.render.worker")
    parser.add_argument("--library", type=Path, required=True)
    parser.add_argument("--scratch", type=Path, required=True)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--require-gpu", action="store_true")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)
    _die_with_parent()
    channel = _private_stdout()
    # Blender makes a session folder under TMPDIR when bpy loads and cannot remove it when the
    # worker is killed; under the scratch folder, the runner's clean-up takes it with the rest
    temporary = args.scratch / SESSION_TMP
    temporary.mkdir(parents=True, exist_ok=True)
    os.environ["TMPDIR"] = str(temporary.resolve())

    import bpy

    from comco.assets.library import load_manifest
    from comco.render.devices import select_device
    from comco.render.protocol import Done, Job, Ready
    from comco.render.stages import Stopwatch
    from comco.render.studio import Studio

    studio = Studio(args.library, load_manifest(args.library), args.scratch)
    device = select_device(studio.scene, args.device, args.require_gpu, args.threads)
    print(f"comco worker {os.getpid()}: rendering on {device}", file=sys.stderr, flush=True)
    _send(channel, Ready(device=device, blender_version=bpy.app.version_string, pid=os.getpid()))
    # bpy and the studio leave ~80k long-lived objects that every full garbage collection
    # would walk again (~0.4 ms per image); frozen, the collector only sees what jobs create
    gc.freeze()
    # bpy releases the GIL while Cycles renders, so this thread's work is off the critical path
    background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="silhouettes")
    try:
        for line in sys.stdin:
            if not line.strip():
                continue
            clock = Stopwatch()
            job = Job.model_validate_json(line)
            clock.lap("job_parse")
            silhouettes = None
            try:
                studio.apply(job.spec, clock)
                silhouettes = background.submit(
                    _write_silhouettes, job.spec, studio.meshes(job.spec), Path(job.arrays)
                )
                studio.render(Path(job.image), job.image_format, Path(job.index), clock)
                seconds = silhouettes.result()
                clock.lap("silhouettes_wait")
            except Exception as error:  # reported to the runner, which records the spec as rejected
                if silhouettes is not None:  # no file may appear after the answer
                    wait([silhouettes])
                _send(channel, Done(ok=False, error=f"{type(error).__name__}: {error}"))
                continue
            worker_seconds = sum(clock.stages.values())
            clock.add("silhouettes_overlapped", seconds)
            _send(channel, Done(ok=True, seconds=worker_seconds, stages=clock.stages))
    finally:
        background.shutdown()
        studio.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
