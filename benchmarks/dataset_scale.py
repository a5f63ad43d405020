"""How `comco export`, `comco verify` and `comco eval` grow with the number of images: wall
time and peak memory of each, as a separate process, over fabricated rendered datasets of the
given sizes.

A dataset of N images is made cheaply from a few fake renders (`tests/support`): image i is a
copy of seed image i % 6 under its own id and shard, its PNG made distinct by a text chunk
(same pixels, different bytes), so content-keyed caches see N images. Eval runs a random-weight
tiny CLIP (`comco tiny-model`): its numbers mean nothing, its costs are those of the real path.

    python benchmarks/dataset_scale.py --sizes 5000 20000 [--skip-eval] [--format webdataset]
    python benchmarks/dataset_scale.py --sizes 1000 4000 16000 --skip-export --cache-inputs 1000000

Eval runs TOR and IOR (`--tasks`), so both the text and the image paths count; after each
eval a fresh process opens its embedding cache (`cache`: seconds and peak MB to the first
lookup, and the files). `--cache-inputs N` does the same for a cache of N inputs written
in batches of 4,096 (`--cache-dim` long), the start-up of a million-image cache.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

# the fake renders of tests/support, which import themselves both ways
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from comco.dataset.folder import DatasetFolder, shard_name
from support.scenes import eval_dataset

COMCO = [sys.executable, "-c", "from comco.cli import main; main()"]


def _tagged_png(png: bytes, tag: str) -> bytes:
    """The same image with a tEXt chunk after IHDR, so every copy has its own bytes."""
    data = b"comco-copy\x00" + tag.encode()
    chunk = struct.pack(">I", len(data)) + b"tEXt" + data
    chunk += struct.pack(">I", zlib.crc32(b"tEXt" + data))
    ihdr_end = 8 + 4 + 4 + 13 + 4
    return png[:ihdr_end] + chunk + png[ihdr_end:]


def fabricate(seed: Path, root: Path, count: int) -> None:
    """A rendered folder of `count` images copied from the seed folder's images."""
    source = DatasetFolder(seed)
    originals = [
        (i.png.read_bytes(), i.annotation_text, i.annotation.id) for i in source.iter_images()
    ]
    shutil.copytree(source.gallery, root / "gallery")
    for name in ("dataset.json", "summary.json"):
        shutil.copyfile(seed / name, root / name)
    folder = DatasetFolder(root)
    for index in range(count):
        png, text, old = originals[index % len(originals)]
        new = f"{old}-{index:07d}"
        shard = folder.images / shard_name(index)
        if index % 1000 == 0:
            shard.mkdir(parents=True, exist_ok=True)
        (shard / f"{new}.png").write_bytes(_tagged_png(png, new))
        (shard / f"{new}.json").write_text(text.replace(old, new))


def measure(args: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one command, run as its own process."""
    began = time.perf_counter()
    process = subprocess.Popen([*COMCO, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"comco {' '.join(args)} failed: {process.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024


def cache_start(cache: Path) -> tuple[int, float, float]:
    """Files in an embedding cache, and the seconds and peak MB a fresh process takes to
    answer its first lookup (the cache's start-up)."""
    files = sum(1 for p in cache.rglob("*") if p.is_file())
    probe = (
        "import sys, time; from pathlib import Path; from comco.eval.cache import EmbeddingStore;"
        "began = time.perf_counter();"
        "[EmbeddingStore(d).missing(['0' * 64]) for d in Path(sys.argv[1]).glob('*/*')];"
        "print(time.perf_counter() - began)"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", probe, str(cache)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"cache start-up failed: {process.stderr.read().decode()}")
    return files, float(process.stdout.read()), usage.ru_maxrss / 1024


def report_cache(count: int, cache: Path) -> None:
    """The embedding cache's file count and start-up (seconds, peak MB)."""
    files, seconds, peak = cache_start(cache)
    print(f"{count:8d} {'cache':8} {seconds:8.2f} {'':8} {peak:8.0f}  ({files} files)", flush=True)


def cache_of(count: int, dim: int, root: Path) -> None:
    """An embedding cache of `count` inputs of `dim`-long vectors, written through the
    store's own `add` in batches of 4,096."""
    fill = (
        "import sys; import numpy as np; from pathlib import Path;"
        "from comco.eval.cache import EmbeddingStore, text_key;"
        "store = EmbeddingStore(Path(sys.argv[1]) / 'model' / 'text'); n = int(sys.argv[2]);"
        "[store.add([text_key(str(i)) for i in range(s, min(n, s + 4096))],"
        " np.ones((min(n, s + 4096) - s, int(sys.argv[3])), np.float32))"
        " for s in range(0, n, 4096)]"
    )
    subprocess.run([sys.executable, "-c", fill, str(root), str(count), str(dim)], check=True)


def report_slopes(peaks: dict[int, float]) -> None:
    """Eval's memory per image: the peak's growth between successive sizes."""
    sizes = sorted(peaks)
    for small, large in itertools.pairwise(sizes):
        slope = 1024 * (peaks[large] - peaks[small]) / (large - small)
        print(f"eval peak {small} -> {large} images: {slope:.1f} KB per image", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--skip-eval", action="store_true")
    parser.add_argument("--skip-export", action="store_true", help="eval only")
    parser.add_argument("--tasks", default="tor,ior", help="eval tasks (text and image paths)")
    parser.add_argument("--format", default="parquet", help="export formats, comma-separated")
    parser.add_argument(
        "--cache-inputs", type=int, default=0, help="also time the start of a cache this big"
    )
    parser.add_argument("--cache-dim", type=int, default=8, help="its vectors' length")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="comco-scale-") as tmp:
        work = Path(tmp)
        seed = eval_dataset(work / "seed", n_images=6)
        model = work / "tiny-clip"
        subprocess.run([*COMCO, "tiny-model", "--out", str(model)], check=True, capture_output=True)
        print(f"{'images':>8} {'step':8} {'seconds':>8} {'per 1k':>8} {'peak MB':>8}")
        eval_peaks: dict[int, float] = {}
        for count in args.sizes:
            root = work / f"data-{count}"
            began = time.perf_counter()
            fabricate(seed, root, count)
            print(f"{count:8d} {'make':8} {time.perf_counter() - began:8.1f}", flush=True)
            out = work / f"export-{count}"
            steps = {}
            if not args.skip_export:
                steps["export"] = [
                    "export", "--dataset", str(root), "--out", str(out), "--format", args.format
                ]  # fmt: skip
                steps["verify"] = ["verify", str(out)]
            if not args.skip_eval:
                steps["eval"] = [
                    "eval", "--dataset", str(root), "--model", f"hf:{model}", "--task", args.tasks,
                    "--out", str(work / f"eval-{count}"), "--device", "cpu", "--bootstrap", "10",
                    "--cache-dir", str(work / f"cache-{count}"),
                ]  # fmt: skip
            for name, command in steps.items():
                seconds, peak = measure(command)
                per_1k = 1000 * seconds / count
                print(f"{count:8d} {name:8} {seconds:8.1f} {per_1k:8.2f} {peak:8.0f}", flush=True)
            if not args.skip_eval:
                eval_peaks[count] = peak
                report_cache(count, work / f"cache-{count}")
            shutil.rmtree(root)
            shutil.rmtree(out, ignore_errors=True)
        report_slopes(eval_peaks)
        if args.cache_inputs:
            cache_of(args.cache_inputs, args.cache_dim, work / "big-cache")
            report_cache(args.cache_inputs, work / "big-cache")
        print(json.dumps({"load_average": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
