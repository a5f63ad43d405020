"""How `comco export`, `comco verify` and `comco eval` grow with the number of images: wall
time and peak memory of each, as a separate process, over fabricated rendered datasets of the
given sizes.

A dataset of N images is made cheaply from a few fake renders (`tests/support`): image i is a
copy of seed image i % 6 under its own id and shard, its PNG made distinct by a text chunk
(same pixels, different bytes), so content-keyed caches see N images. Eval runs a random-weight
tiny CLIP (`comco tiny-model`) on the TOR task: its numbers mean nothing, its costs are those of
the image path.

    python benchmarks/dataset_scale.py --sizes 5000 20000 [--skip-eval] [--format webdataset]
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--skip-eval", action="store_true")
    parser.add_argument("--format", default="parquet", help="export formats, comma-separated")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="comco-scale-") as tmp:
        work = Path(tmp)
        seed = eval_dataset(work / "seed", n_images=6)
        model = work / "tiny-clip"
        subprocess.run([*COMCO, "tiny-model", "--out", str(model)], check=True, capture_output=True)
        print(f"{'images':>8} {'step':8} {'seconds':>8} {'per 1k':>8} {'peak MB':>8}")
        for count in args.sizes:
            root = work / f"data-{count}"
            began = time.perf_counter()
            fabricate(seed, root, count)
            print(f"{count:8d} {'make':8} {time.perf_counter() - began:8.1f}", flush=True)
            out = work / f"export-{count}"
            steps = {
                "export": [
                    "export",
                    "--dataset",
                    str(root),
                    "--out",
                    str(out),
                    "--format",
                    args.format,
                ],
                "verify": ["verify", str(out)],
            }
            if not args.skip_eval:
                steps["eval"] = [
                    "eval", "--dataset", str(root), "--model", f"hf:{model}", "--task", "tor",
                    "--out", str(work / f"eval-{count}"), "--device", "cpu", "--bootstrap", "10",
                    "--cache-dir", str(work / f"cache-{count}"),
                ]  # fmt: skip
            for name, command in steps.items():
                seconds, peak = measure(command)
                per_1k = 1000 * seconds / count
                print(f"{count:8d} {name:8} {seconds:8.1f} {per_1k:8.2f} {peak:8.0f}", flush=True)
            shutil.rmtree(root)
            shutil.rmtree(out)
        print(json.dumps({"load_average": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
