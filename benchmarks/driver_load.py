"""Driver load: a real `comco render` run whose workers are stand-ins answering from cached
real renders (`standin_worker.py`), so everything on the runner's side (the feeding loop,
annotation, PNG and JSON writes, the journals, the ledger) runs for real at rates far above
what this machine renders; then a resume of the finished folder.

    python benchmarks/driver_load.py [--n 2000] [--workers 4] [--engine local|ray]
        [--latency-ms 0] [--size 64]

Needs bpy once, to render the cache (one real render per toy base scene). With the local
engine the driver process annotates every image itself; with Ray the actors do, and the
driver only hands out tasks and settles outcomes. Prints images/s while rendering (and with
start-up), the driver process's CPU milliseconds per image and its peak memory, and the
resume's time to decide that nothing is left.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from comco.assets.toy_library import build_toy_library, toy_scene
from comco.render.protocol import Job
from comco.runner.engine import Engine
from comco.runner.local_engine import LocalEngine
from comco.runner.run import Run, RunConfig
from comco.runner.worker_client import WorkerClient, WorkerOptions

KINDS = 4  # cached base scenes; spec i is base scene i % KINDS under its own id


def render_cache(library: Path, cache: Path, size: int) -> None:
    """One real render per base scene, as a worker leaves it (SGI image, index EXR, arrays)."""
    options = WorkerOptions(library=library, scratch=cache / "scratch", device="CPU")
    client = WorkerClient(options, cache / "worker.log")
    client.start()
    try:
        for k in range(KINDS):
            stem = cache / str(k)
            job = Job(
                spec=toy_scene(k, size=size),
                image=str(stem.with_suffix(".sgi")),
                index=str(stem.with_suffix(".exr")),
                arrays=str(stem.with_suffix(".npz")),
                image_format="IRIS",
            )
            assert client.render(job).ok, f"cache render {k} failed; see {client.log_path}"
    finally:
        client.stop()


def engine_for(name: str, workers: int) -> Engine:
    if name == "ray":
        from comco.runner.ray_engine import RayEngine

        return RayEngine(None, workers, 1, 0.0)
    return LocalEngine(workers)


def timed_run(config: RunConfig, engine: Engine) -> tuple[dict, float, float]:
    """The run's summary, wall seconds and the driver's CPU seconds, on stand-in workers."""
    job = Run(config, engine)
    job.setup = replace(job.setup, options=replace(job.setup.options, module="standin_worker"))
    before = resource.getrusage(resource.RUSAGE_SELF)
    began = time.perf_counter()
    summary = job.execute()
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return summary, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--engine", choices=("local", "ray"), default="local")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--size", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="comco-driver-") as tmp:
        root = Path(tmp)
        library, cache = root / "library", root / "cache"
        build_toy_library(library)
        render_cache(library, cache, args.size)
        specs = root / "specs.jsonl"
        with open(specs, "w") as f:
            for i in range(args.n):
                spec = toy_scene(i % KINDS, size=args.size)
                f.write(spec.model_copy(update={"id": f"s{i:07d}"}).model_dump_json() + "\n")
        here = str(Path(__file__).resolve().parent)
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (here, os.environ.get("PYTHONPATH")) if p
        )  # the workers (and Ray's actors) find standin_worker there
        os.environ["COMCO_STANDIN_CACHE"] = str(cache)
        os.environ["COMCO_STANDIN_LATENCY_S"] = str(args.latency_ms / 1000)
        config = RunConfig(
            specs=specs,
            out=root / "out",
            library=library,
            workers=args.workers,
            device="CPU",
            threads=1,
            gallery=False,
            progress=False,
            engine=args.engine,
        )
        if args.engine == "ray":  # one CPU per stand-in, however many cores this machine has
            import ray

            ray.init(
                address="local",
                num_cpus=args.workers,
                _node_ip_address="127.0.0.1",
                include_dashboard=False,
                log_to_driver=False,
            )
        try:
            summary, wall, cpu = timed_run(config, engine_for(args.engine, args.workers))
            resumed, resume_wall, _ = timed_run(config, engine_for(args.engine, args.workers))
        finally:
            if args.engine == "ray":
                ray.shutdown()
    done = summary["rendered"] + summary["rejected"]
    print(
        f"{args.engine} engine, {args.workers} stand-in workers, {args.size} px, "
        f"latency {args.latency_ms:g} ms, {args.n} scenes"
    )
    print(f"kept {summary['rendered']} rejected {summary['rejected']} in {wall:.1f} s")
    print(
        f"driver images/s {done / summary['seconds']:.1f} while rendering ({done / wall:.1f} "
        "with start-up)"
    )
    print(f"driver CPU      {1000 * cpu / max(1, done):.2f} ms per image")
    print(f"driver peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"resume          {resume_wall:.2f} s to find {resumed['already_done']} scenes done")


if __name__ == "__main__":
    main()
