"""A stand-in render worker for `driver_load.py`: speaks `comco.render.protocol` like
`comco.render.worker`, but answers each job by copying a cached real render of the job's
base scene (its seed picks it) after a chosen latency, so the runner's side runs for real
at rates no CPU could render.

    python -m standin_worker --library DIR --scratch DIR [worker options]
    (cache and latency from $COMCO_STANDIN_CACHE and $COMCO_STANDIN_LATENCY_S)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from comco.render.protocol import Done, Job, Ready

CACHED = {"image": "sgi", "index": "exr", "arrays": "npz"}  # Job field -> cached suffix


def main() -> None:
    parser = argparse.ArgumentParser(prog="standin_worker")
    parser.add_argument("--library", type=Path, required=True)
    parser.add_argument("--scratch", type=Path, required=True)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--require-gpu", action="store_true")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    args.scratch.mkdir(parents=True, exist_ok=True)  # as the real worker does
    cache = Path(os.environ["COMCO_STANDIN_CACHE"])
    latency = float(os.environ.get("COMCO_STANDIN_LATENCY_S", "0"))
    kinds = len(list(cache.glob("*.sgi")))
    ready = Ready(device="stand-in", blender_version="stand-in", pid=os.getpid())
    print(ready.model_dump_json(), flush=True)
    for line in sys.stdin:
        began = time.perf_counter()
        job = Job.model_validate_json(line)
        for field, suffix in CACHED.items():
            shutil.copyfile(cache / f"{job.spec.seed % kinds}.{suffix}", getattr(job, field))
        time.sleep(max(0.0, latency - (time.perf_counter() - began)))
        print(Done(ok=True, seconds=time.perf_counter() - began).model_dump_json(), flush=True)


if __name__ == "__main__":
    main()
