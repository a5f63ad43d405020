"""Driver load: a real `comco render` run on stand-ins that answer from cached real renders,
so the runner's side runs for real at rates far above what this machine renders; then a
resume of the finished folder.

    python benchmarks/driver_load.py [--n 2000] [--workers 4] [--engine local|ray]
        [--latency-ms 0] [--size 64] [--skip-resume]
    python benchmarks/driver_load.py --actors 128 --n 200000 [--latency-ms 20]

Two stand-ins:
- Blender workers (`standin_worker.py`, `--workers`): the feeding loop, annotation, PNG and
  JSON writes, journals and ledger run for real. With the local engine the driver process
  annotates every image itself; with Ray the actors do.
- Ray actors (`standin_actor.py`, `--actors`): each task is answered by writing a cached
  finished PNG + JSON into its real paths, so nothing annotates and the driver (task
  hand-out, ledger, journals, completion records) is what this machine's cores are loaded
  with, at cluster rates.

Needs bpy once, to render the cache (one real render per toy base scene). Prints images/s
and the driver process's CPU milliseconds per image over the steady part (10 % to 90 % of
the images settled), its resident memory sampled at 10 %, 50 % and 90 %, and the resume's
time to decide that nothing is left.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import threading
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
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


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


def finish_cache(library: Path, cache: Path, root: Path, size: int) -> None:
    """Finished scenes for the stand-in actors: one real run (stand-in workers on the raw
    cache, real annotation) of the base scenes, kept as `<kind>.png` and `<kind>.json`."""
    specs = root / "kinds.jsonl"
    specs.write_text(
        "".join(toy_scene(k, size=size).model_dump_json() + "\n" for k in range(KINDS))
    )
    out = root / "kinds"
    config = RunConfig(
        specs=specs, out=out, library=library, device="CPU", gallery=False, progress=False
    )
    summary, _, _, _ = timed_run(config, LocalEngine(1), Sampler(lambda: 0))
    assert summary["rendered"] == KINDS, f"cached scenes: {summary}"
    finished = cache / "finished"
    finished.mkdir()
    for k in range(KINDS):
        (png,) = out.glob(f"images/*/toy{k:04d}.png")
        shutil.copyfile(png, finished / f"{k}.png")
        shutil.copyfile(png.with_suffix(".json"), finished / f"{k}.json")


def engine_for(args: argparse.Namespace) -> Engine:
    if args.actors:
        from standin_actor import StandinActor

        from comco.runner.ray_engine import RayEngine

        return RayEngine(None, args.actors, 1, 0.0, actor=StandinActor)
    if args.engine == "ray":
        from comco.runner.ray_engine import RayEngine

        return RayEngine(None, args.workers, 1, 0.0)
    return LocalEngine(args.workers)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE_KB / 1024


class Sampler(threading.Thread):
    """Samples (seconds, images settled, driver CPU seconds, resident MB) every PERIOD_S."""

    PERIOD_S = 0.25

    def __init__(self, settled):
        super().__init__(daemon=True)
        self.settled, self.samples, self.done = settled, [], threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.PERIOD_S):
            self.samples.append(
                (time.perf_counter(), self.settled(), time.process_time(), rss_mb())
            )

    def at(self, share: float, total: int) -> tuple[float, int, float, float]:
        """The first sample with `share` of `total` images settled."""
        return next((x for x in self.samples if x[1] >= share * total), self.samples[-1])


def timed_run(
    config: RunConfig, engine: Engine, sampler: Sampler | None = None
) -> tuple[dict, float, float, Sampler]:
    """The run's summary, wall seconds and the driver's CPU seconds, on stand-ins, and
    its samples."""
    job = Run(config, engine)
    job.setup = replace(job.setup, options=replace(job.setup.options, module="standin_worker"))
    sampler = sampler or Sampler(lambda: job.stats.rendered + job.stats.rejected)
    before = resource.getrusage(resource.RUSAGE_SELF)
    began = time.perf_counter()
    sampler.start()
    try:
        summary = job.execute()
    finally:
        sampler.done.set()
        sampler.join()
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return summary, wall, cpu, sampler


def steady(sampler: Sampler, total: int) -> str:
    """Images/s and driver CPU per image from 10 % to 90 % of the images, and memory."""
    t0, n0, c0, m0 = sampler.at(0.1, total)
    t1, n1, c1, m1 = sampler.at(0.9, total)
    m_mid = sampler.at(0.5, total)[3]
    if n1 <= n0:
        return "too few samples for a steady part (raise --n)"
    return (
        f"steady part ({n0}-{n1} images settled): {(n1 - n0) / (t1 - t0):.0f} images/s, "
        f"driver CPU {1000 * (c1 - c0) / (n1 - n0):.3f} ms per image\n"
        f"driver RSS at 10/50/90 %: {m0:.0f} / {m_mid:.0f} / {m1:.0f} MB "
        f"(peak {max(x[3] for x in sampler.samples):.0f} MB)"
    )


def report(
    args: argparse.Namespace, engine: str, summary: dict, wall: float, cpu: float, sampler: Sampler
) -> None:
    done = summary["rendered"] + summary["rejected"]
    standins = f"{args.actors} actors" if args.actors else f"{args.workers} Blender workers"
    print(
        f"{engine} engine, {standins} (stand-ins), {args.size} px, "
        f"latency {args.latency_ms:g} ms per image, {args.n} scenes"
    )
    print(f"kept {summary['rendered']} rejected {summary['rejected']} in {wall:.1f} s")
    print(
        f"driver images/s {done / summary['seconds']:.1f} while rendering ({done / wall:.1f} "
        "with start-up)"
    )
    print(f"driver CPU      {1000 * cpu / max(1, done):.3f} ms per image (whole run)")
    print(steady(sampler, done))
    print(f"driver peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4, help="Blender stand-ins")
    parser.add_argument("--engine", choices=("local", "ray"), default="local")
    parser.add_argument("--actors", type=int, default=0, help="Ray stand-in actors (ray)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="per image")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--skip-resume", action="store_true")
    args = parser.parse_args()
    engine = "ray" if args.actors else args.engine
    with tempfile.TemporaryDirectory(prefix="comco-driver-") as tmp:
        root = Path(tmp)
        library, cache = root / "library", root / "cache"
        build_toy_library(library)
        render_cache(library, cache, args.size)
        here = str(Path(__file__).resolve().parent)
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (here, os.environ.get("PYTHONPATH")) if p
        )  # the workers (and Ray's actors) find the stand-ins there
        os.environ["COMCO_STANDIN_CACHE"] = str(cache)
        os.environ["COMCO_STANDIN_FINISHED"] = str(cache / "finished")
        if args.actors:
            finish_cache(library, cache, root, args.size)
        os.environ["COMCO_STANDIN_LATENCY_S"] = str(args.latency_ms / 1000)
        specs = root / "specs.jsonl"
        with open(specs, "w") as f:
            for i in range(args.n):
                spec = toy_scene(i % KINDS, size=args.size)
                f.write(spec.model_copy(update={"id": f"s{i:07d}"}).model_dump_json() + "\n")
        config = RunConfig(
            specs=specs,
            out=root / "out",
            library=library,
            workers=args.actors or args.workers,
            device="CPU",
            threads=1,
            gallery=False,
            progress=False,
            engine=engine,
        )
        if engine == "ray":  # one CPU per stand-in, however many cores this machine has
            import ray

            ray.init(
                address="local",
                num_cpus=args.actors or args.workers,
                object_store_memory=256 * 1024**2,  # calls and answers are small
                _node_ip_address="127.0.0.1",
                include_dashboard=False,
                log_to_driver=False,
            )
        try:
            summary, wall, cpu, sampler = timed_run(config, engine_for(args))
            if not args.skip_resume:
                resumed, resume_wall, _, _ = timed_run(config, engine_for(args))
        finally:
            if engine == "ray":
                ray.shutdown()
        report(args, engine, summary, wall, cpu, sampler)  # before the folder's deletion
        if not args.skip_resume:
            print(f"resume          {resume_wall:.2f} s to find {resumed['already_done']} done")


if __name__ == "__main__":
    main()
