"""Render throughput of the full `comco render` pipeline (workers, annotation, files).

    python benchmarks/render_throughput.py [--n 40] [--size 224] [--samples 8] [--workers 1]
        [--device auto|OPTIX|CUDA|HIP|METAL|CPU] [--library assets/library] [--denoise]
        [--engine local|ray] [--address auto|HOST:PORT] [--gpus-per-worker F] [--recycle-after N]
        [--categories K]

Prints renders/s (kept and rejected scenes, with worker start-up), kept images/s, the
steady kept rate (first to last kept image), mean in-worker seconds per image, the peak
memory of the worker processes (sampled, early and late in the run), and where an image's
time goes (mean ms per stage, in the worker and in the runner, and the total a worker spends
on anything but path tracing). Without a built
library it renders the toy shapes of `comco.assets.toy_library` (say which in any report).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from worker_rss import RssSampler

from comco.assets.library import MANIFEST_NAME, default_library_dir, load_manifest
from comco.assets.toy_library import build_toy_library, toy_scene
from comco.core.catalog import load_vocabulary
from comco.core.spec import Camera, RenderSettings, SceneSpec
from comco.render.protocol import DEVICE_CHOICES
from comco.runner.run import RunConfig, run
from comco.sampling.sampler import SamplerConfig, sample_scenes


def _specs(
    library: Path,
    count: int,
    size: int,
    samples: int,
    denoise: bool,
    objects: int,
    categories: int,
) -> list[str]:
    """Sampled 1-large scenes; categories the library lacks are swapped for ones it has.
    With `categories` (not 0), only scenes drawn wholly from that many categories are kept."""
    built = set(load_manifest(library).assets)
    presets = load_vocabulary().presets
    vocab = max(presets, key=lambda name: len(built & set(presets[name])))
    available = sorted(built & set(presets[vocab]))
    subset = set(available[: categories or None])
    if len(available) < objects:
        raise SystemExit(f"library {library}: only {available} of preset {vocab!r} are built")
    config = SamplerConfig(
        vocab=vocab,
        objects=objects,
        large=1,
        camera=Camera(width=size, height=size),
        render=RenderSettings(samples=samples, denoise=denoise),
    )
    lines = []
    for spec in sample_scenes(config, count if not categories else 1000 * count):
        if len(lines) == count:
            break
        if not set(spec.categories) <= subset:
            continue
        data = spec.model_dump(mode="json")
        spare = [c for c in available if c not in spec.categories]
        for obj in data["objects"]:
            if obj["category"] not in available:
                obj["category"] = spare.pop(0)
        lines.append(SceneSpec.model_validate(data).model_dump_json())
    return lines


# Stages on a worker's critical path besides path tracing, in the order they happen. The
# worker rasterises silhouettes while Cycles renders and counts only the wait for them after
# the render; the runner's own stages run while the worker renders the next image, and count
# only where the worker waited for them (runner_wait).
CRITICAL = (
    "job_parse",
    "scene_update",
    "cycles_sync",
    "kernel_load",
    "compositor",
    "cycles_call",
    "image_write",
    "index_move",
    "silhouettes_wait",
    "round_trip",
    "runner_wait",
)
OVERLAPPED = {
    "silhouettes_overlapped": "worker, during the render",
    "arrays_read": "runner, during the next render",
    "annotate": "runner, during the next render",
    "png_encode": "runner, during the next render",
    "json_write": "runner, during the next render",
}


def print_split(stage_ms: dict[str, float]) -> None:
    """The per-image split (over warm images: not a worker's first, no asset imported for
    it), and the non-path-tracing time a worker's images wait for."""
    print("stage (mean over warm images)  ms/image")
    for name in ("path_tracing", *CRITICAL):
        if name in stage_ms:
            print(f"  {name:26s}{stage_ms[name]:8.2f}")
    critical = sum(stage_ms.get(name, 0.0) for name in CRITICAL)
    print(f"  {'= not path tracing':26s}{critical:8.2f}  (on the worker's critical path)")
    for name, where in OVERLAPPED.items():
        if name in stage_ms:
            print(f"  {name:26s}{stage_ms[name]:8.2f}  (overlapped: {where})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--objects", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=0, help="CPU threads per worker (0 = all)")
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto")
    parser.add_argument("--denoise", action="store_true")
    parser.add_argument(
        "--categories",
        type=int,
        default=0,
        help="draw from this many categories only (0 = all), so workers warm up sooner",
    )
    parser.add_argument("--library", type=Path, default=default_library_dir())
    parser.add_argument("--engine", choices=("local", "ray"), default="local")
    parser.add_argument("--address", default=None, help="ray: auto or HOST:PORT (default: private)")
    parser.add_argument("--gpus-per-worker", type=float, default=0.0)
    parser.add_argument("--recycle-after", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="comco-bench-") as tmp:
        library = args.library
        if not (library / MANIFEST_NAME).is_file():
            library = Path(tmp) / "toy-library"
            build_toy_library(library)
            print(f"no library at {args.library}; using toy shapes in {library}")
        specs = Path(tmp) / "specs.jsonl"
        if library == args.library:
            lines = _specs(
                library,
                args.n,
                args.size,
                args.samples,
                args.denoise,
                args.objects,
                args.categories,
            )
        else:  # the toy shapes are in no vocabulary preset: their own scenes
            scenes = [toy_scene(i, size=args.size, samples=args.samples) for i in range(args.n)]
            lines = [scene.model_dump_json() for scene in scenes]
        specs.write_text("\n".join(lines) + "\n")
        out = Path(tmp) / "out"
        config = RunConfig(
            specs=specs,
            out=out,
            library=library,
            workers=args.workers,
            device=args.device,
            threads=args.threads,
            gallery=False,
            progress=False,
            recycle_after=args.recycle_after,
            engine=args.engine,
            address=args.address,
            gpus_per_worker=args.gpus_per_worker,
        )
        began = time.perf_counter()
        with RssSampler(out) as memory:
            summary = run(config)
        wall = time.perf_counter() - began
        done = sorted(out.glob("images/*/*.json"), key=lambda p: p.stat().st_mtime)
        stamps = [p.stat().st_mtime for p in done]
        seconds = [json.loads(p.read_text())["render"]["seconds"] for p in done]
    steady = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    print(
        f"{summary['devices']} {args.size}x{args.size} {args.samples} spp denoise={args.denoise} "
        f"{args.objects} objects, {summary['workers']} worker(s), library {library.name}, "
        f"engine {args.engine}, recycle after {args.recycle_after}"
    )
    print(f"rendered {summary['rendered']} rejected {summary['rejected']} in {wall:.1f} s")
    processed = summary["rendered"] + summary["rejected"]
    print(f"renders/s       {processed / wall:.2f} (kept + rejected, with worker start-up)")
    print(f"kept images/s   {summary['rendered'] / wall:.2f} (with worker start-up)")
    print(f"steady kept/s   {steady:.2f} (first to last kept image)")
    per_image = sum(seconds) / max(1, len(seconds))
    print(f"worker s/image  {per_image:.3f}")
    print(f"worker busy     {per_image * steady:.2f} of the steady wall (below 1: it waited)")
    print("\n".join(memory.report()))
    print(f"warm images     {summary['warm_images']} (the split below is their mean)")
    print_split(summary["stage_ms"])


if __name__ == "__main__":
    main()
