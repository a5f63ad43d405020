"""GPU throughput matrix: images/s, GPU memory and CPU load per (size, spp, workers per GPU).

    python benchmarks/gpu_matrix.py [--device OPTIX] [--workers 1,2,4,8] [--n-per-worker 16]
        [--categories 24] [--library assets/library] [--rows 224/8,224/32,512/32+oidn]
        [--engine local|ray]

Meant to be run once, as one prepared command, on a machine with an NVIDIA GPU (GPU time is
scarce): it renders the `render_throughput.py` scenes through the whole `comco render`
pipeline for 224 px/8 spp, 224 px/32 spp and 512 px/32 spp with OpenImageDenoise, each with
1, 2, 4 and 8 workers sharing one GPU, and prints one row per run. It pins the run to one GPU
(CUDA_VISIBLE_DEVICES=0 unless already set) because every worker enables every device of
its backend; workers per GPU is then simply the worker count.

Per row: kept images/s with worker start-up, the steady rate (first to last kept image),
peak GPU memory and mean GPU utilisation (nvidia-smi, sampled every 0.25 s), CPU cores kept
busy (CPU seconds of the runner and its workers / wall seconds) and the worker's mean
non-path-tracing milliseconds per image. A first warm-up run (1 worker, 4 images) absorbs
kernel compilation (PTX on sm_90 is compiled at first use) and is printed apart. Scenes are
drawn from `--categories` categories so workers stop importing assets after a few images.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from render_throughput import CRITICAL, _specs

from comco.assets.library import MANIFEST_NAME, default_library_dir
from comco.assets.toy_library import build_toy_library
from comco.render.protocol import GPU_BACKENDS
from comco.runner.run import RunConfig, run


@dataclass(frozen=True)
class Row:
    """One configuration of the matrix."""

    size: int
    samples: int
    denoise: bool

    @property
    def name(self) -> str:
        return f"{self.size}/{self.samples}{'+oidn' if self.denoise else ''}"

    @classmethod
    def parse(cls, text: str) -> Row:
        """'224/8' or '512/32+oidn'."""
        body, _, extra = text.partition("+")
        size, _, samples = body.partition("/")
        if not (size.isdigit() and samples.isdigit()) or extra not in ("", "oidn"):
            raise SystemExit(f"--rows: {text!r} is not SIZE/SPP or SIZE/SPP+oidn")
        return cls(int(size), int(samples), extra == "oidn")


class GpuSampler(threading.Thread):
    """Peak memory (MiB) and mean utilisation (%) of GPU 0 while a run lasts, via nvidia-smi."""

    def __init__(self, period_s: float = 0.25):
        super().__init__(daemon=True)
        self.period_s, self.stop = period_s, threading.Event()
        self.peak_mib, self.utilisation = 0, []

    def run(self) -> None:
        query = ["nvidia-smi", "--query-gpu=memory.used,utilization.gpu"]
        query += ["--format=csv,noheader,nounits", "--id=0"]
        while not self.stop.is_set():
            out = subprocess.run(query, capture_output=True, text=True, check=False).stdout
            if out.strip():
                memory, busy = (int(v) for v in out.split(",")[:2])
                self.peak_mib = max(self.peak_mib, memory)
                self.utilisation.append(busy)
            self.stop.wait(self.period_s)

    def finish(self) -> tuple[int, float]:
        self.stop.set()
        self.join()
        mean = sum(self.utilisation) / len(self.utilisation) if self.utilisation else 0.0
        return self.peak_mib, mean


def _cpu_seconds() -> float:
    """CPU time of this process and of its reaped children (the workers of finished runs)."""
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def render_row(
    row: Row, workers: int, lines: list[str], library: Path, device: str, tmp: Path, engine: str
) -> dict:
    """Render the spec `lines` of one configuration with `workers` workers; its figures."""
    specs = tmp / f"specs-{row.size}-{row.samples}-{workers}.jsonl"
    specs.write_text("\n".join(lines) + "\n")
    out = tmp / "out"
    shutil.rmtree(out, ignore_errors=True)
    sampler = GpuSampler()
    sampler.start()
    cpu, began = _cpu_seconds(), time.perf_counter()
    config = RunConfig(
        specs=specs,
        out=out,
        library=library,
        workers=workers,
        device=device,
        require_gpu=True,
        gallery=False,
        progress=False,
        engine=engine,
        # with Ray, workers share the GPU through fractional GPU requests
        gpus_per_worker=1.0 / workers if engine == "ray" else 0.0,
    )
    summary = run(config)
    wall = time.perf_counter() - began
    cpu = _cpu_seconds() - cpu
    peak_mib, utilisation = sampler.finish()
    stamps = sorted(p.stat().st_mtime for p in out.glob("images/*/*.json"))
    steady = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
    stage_ms = summary["stage_ms"]
    return {
        "row": row.name,
        "workers_per_gpu": workers,
        "images": summary["rendered"],
        "rejected": summary["rejected"],
        "images_per_s": summary["rendered"] / wall,
        "steady_per_s": steady,
        "gpu_peak_mib": peak_mib,
        "gpu_util_pct": utilisation,
        "cpu_cores_busy": cpu / wall,
        "path_tracing_ms": stage_ms.get("path_tracing", 0.0),
        "not_path_tracing_ms": sum(stage_ms.get(name, 0.0) for name in CRITICAL),
        "kernel_load_ms": stage_ms.get("kernel_load", 0.0),
        "devices": summary["devices"],
        "wall_s": wall,
    }


HEADER = (
    f"{'row':12s}{'w/GPU':>6s}{'imgs':>6s}{'img/s':>8s}{'steady':>8s}{'GPU MiB':>9s}"
    f"{'GPU %':>7s}{'CPU cores':>10s}{'PT ms':>8s}{'other ms':>9s}{'kern ms':>8s}{'wall s':>8s}"
)


def format_row(r: dict) -> str:
    return (
        f"{r['row']:12s}{r['workers_per_gpu']:6d}{r['images']:6d}{r['images_per_s']:8.2f}"
        f"{r['steady_per_s']:8.2f}{r['gpu_peak_mib']:9d}{r['gpu_util_pct']:7.0f}"
        f"{r['cpu_cores_busy']:10.2f}{r['path_tracing_ms']:8.1f}{r['not_path_tracing_ms']:9.1f}"
        f"{r['kernel_load_ms']:8.1f}{r['wall_s']:8.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=GPU_BACKENDS, default="OPTIX")
    parser.add_argument("--workers", default="1,2,4,8", help="workers per GPU, comma-separated")
    parser.add_argument("--rows", default="224/8,224/32,512/32+oidn")
    parser.add_argument("--n-per-worker", type=int, default=16)
    parser.add_argument("--categories", type=int, default=24)
    parser.add_argument("--library", type=Path, default=default_library_dir())
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    parser.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="ray: a private local Ray instance; its workers are not this process's children, "
        "so the CPU column then counts the driver only",
    )
    args = parser.parse_args()
    if shutil.which("nvidia-smi") is None:
        raise SystemExit("gpu_matrix: nvidia-smi not found; this benchmark needs an NVIDIA GPU")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "0")  # workers inherit it before bpy starts
    # Cycles' kernels are JIT-compiled from PTX on new GPUs; a cache too small for them makes
    # every worker compile them again
    os.environ.setdefault("CUDA_CACHE_MAXSIZE", str(4 << 30))
    rows = [Row.parse(text) for text in args.rows.split(",")]
    counts = [int(text) for text in args.workers.split(",")]
    gpu = subprocess.run(
        ["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(
        f"GPU {gpu}; CUDA_VISIBLE_DEVICES={os.environ['CUDA_VISIBLE_DEVICES']}; "
        f"{os.cpu_count()} CPU cores"
    )
    with tempfile.TemporaryDirectory(prefix="comco-gpu-matrix-") as tmp_name:
        tmp = Path(tmp_name)
        library = args.library
        if not (library / MANIFEST_NAME).is_file():
            library = tmp / "toy-library"
            build_toy_library(library)
            print(f"no library at {args.library}; rendering toy shapes (say so in any report)")
        most = args.n_per_worker * max(counts)
        specs = {  # sampled once per row, before any timing
            row: _specs(library, most, row.size, row.samples, row.denoise, 4, args.categories)
            for row in rows
        }
        warm = render_row(rows[0], 1, specs[rows[0]][:4], library, args.device, tmp, args.engine)
        print(
            f"warm-up (kernel compile, 1 worker, 4 images): {warm['wall_s']:.1f} s on "
            f"{warm['devices']}"
        )
        print(HEADER)
        results = []
        for row in rows:
            for workers in counts:
                lines = specs[row][: args.n_per_worker * workers]
                result = render_row(row, workers, lines, library, args.device, tmp, args.engine)
                results.append(result)
                print(format_row(result), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    print(
        "img/s counts worker start-up; steady is first to last kept image; PT ms and other "
        "ms are a worker's mean path-tracing and non-path-tracing ms per warm image; kern ms "
        "is the part of other ms spent reloading kernels (should be 0).",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
