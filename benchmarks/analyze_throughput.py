"""How fast `comco analyze` reads a COCO-sized corpus, and whether its memory stays flat as
captions grow: a synthetic captions file (600k captions, 5 per image, like COCO 2017 train)
and instances file (1-8 categories per image, polygons like COCO's) are written, then each
step runs in a fresh process and reports wall time and peak RSS:

- python + imports only (the floor),
- loading the instances file alone,
- the whole analysis on half the captions, then on all of them (same images).

    python benchmarks/analyze_throughput.py [--captions 600000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from comco.core.catalog import load_vocabulary

COLOURS = ["red", "white", "black", "blue", "green", "yellow", "brown", "gray"]
TEMPLATES = [
    "A {0} next to a {1} on a sunny day.",
    "Two {0} and a {1} near a building",
    "There is a {0} with a {1} in the picture.",
    "A {0}.",
    "Someone took a photo of a {0}, a {1} and more.",
]
POINTS = 24  # coordinates per polygon, about COCO's typical outline


def write_json_stream(path: Path, head: dict, arrays: dict[str, object]) -> None:
    """A COCO-like file written item by item, so the benchmark itself stays small."""
    with path.open("w") as handle:
        handle.write(json.dumps(head)[:-1])
        for name, items in arrays.items():
            handle.write(f', "{name}": [')
            for index, item in enumerate(items):
                handle.write(("," if index else "") + json.dumps(item))
            handle.write("]")
        handle.write("}")


def make_corpus(folder: Path, n_captions: int, per_image: int, seed: int) -> None:
    rng = random.Random(seed)
    coco = [c for c in load_vocabulary().categories if c.coco_id is not None]
    n_images = n_captions // per_image
    scenes = []
    for _ in range(n_images):
        chosen = rng.sample(coco, rng.randint(1, 8))
        scenes.append(
            [(c, [rng.uniform(50, 90_000) for _ in range(rng.randint(1, 3))]) for c in chosen]
        )

    def annotations():
        index = 0
        for image_id, scene in enumerate(scenes, start=1):
            for category, areas in scene:
                for area in areas:
                    index += 1
                    polygon = [round(rng.uniform(0, 640), 2) for _ in range(POINTS)]
                    yield {"id": index, "image_id": image_id, "category_id": category.coco_id,
                           "area": round(area, 2), "iscrowd": 0, "segmentation": [polygon],
                           "bbox": [1.0, 2.0, 300.5, 200.25]}  # fmt: skip

    def captions():
        index = 0
        for _ in range(per_image):
            for image_id, scene in enumerate(scenes, start=1):
                names = [c.name for c, _ in scene]
                rng.shuffle(names)
                named = [f"{rng.choice(COLOURS)} {n}" if rng.random() < 0.2 else n for n in names]
                index += 1
                text = rng.choice(TEMPLATES).format(*named, *named)
                yield {"id": index, "image_id": image_id, "caption": text}

    images = (
        {"id": i, "width": 640, "height": 480, "file_name": f"{i:012d}.jpg"}
        for i in range(1, n_images + 1)
    )
    instances = folder / "instances.json"
    categories = [{"id": c.coco_id, "name": c.name, "supercategory": "x"} for c in coco]
    write_json_stream(
        instances,
        {"info": {}, "licenses": []},
        {"images": images, "annotations": annotations(), "categories": categories},
    )
    captions_file = folder / "captions.json"
    images = (
        {"id": i, "width": 640, "height": 480, "file_name": f"{i:012d}.jpg"}
        for i in range(1, n_images + 1)
    )
    write_json_stream(
        captions_file, {"info": {}, "licenses": []}, {"images": images, "annotations": captions()}
    )


def keep_first(source: Path, target: Path, n_captions: int) -> Path:
    """The same corpus with only its first n captions (streamed copy)."""
    import ijson

    with source.open("rb") as handle:
        items = ijson.items(handle, "annotations.item")
        head = (next(items) for _ in range(n_captions))
        write_json_stream(target, {"info": {}}, {"annotations": head})
    return target


def child(code: str) -> tuple[str, str]:
    """Run python code in a fresh process: ('wall s, CPU s, peak RSS' of that process, stdout)."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forked parent
    wrapper = (
        "import os, time\n"
        "began = time.perf_counter()\n"
        f"{code}\n"
        "seconds = time.perf_counter() - began\n"
        "cpu = sum(os.times()[:2])\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
        "print(f'@@ {seconds} {cpu} {int(status) / 1024}')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", wrapper], capture_output=True, text=True, check=True
    )
    marker = next(line for line in result.stdout.splitlines() if line.startswith("@@ "))
    _, seconds, cpu, peak = marker.split()
    figures = (
        f"{float(seconds):6.1f} s wall {float(cpu):6.1f} s CPU  peak RSS {float(peak):5.0f} MB"
    )
    return figures, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captions", type=int, default=600_000)
    parser.add_argument("--per-image", type=int, default=5)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--reuse", action="store_true", help="keep the files already in --workdir (same options)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.workdir or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        began = time.perf_counter()
        captions, instances = folder / "captions.json", folder / "instances.json"
        half = folder / "captions_half.json"
        if not (args.reuse and half.exists()):
            make_corpus(folder, args.captions, args.per_image, args.seed)
            keep_first(captions, half, args.captions // 2)
        print(
            f"corpus: {args.captions} captions ({captions.stat().st_size / 1e6:.0f} MB) and "
            f"instances ({instances.stat().st_size / 1e6:.0f} MB), ready in "
            f"{time.perf_counter() - began:.0f} s"
        )
        figures, _ = child("import comco.analyze.run, comco.analyze.report")
        print(f"{'imports only':28s} {figures}")
        figures, out = child(
            "from comco.analyze.coco import load_instances\n"
            f"data = load_instances(__import__('pathlib').Path({str(instances)!r}))\n"
            "arrays = [data.image_area, data.ptr, data.category, data.area]\n"
            "arrays = sum(a.nbytes for a in arrays)\n"
            "print(f'pairs {len(data.area)} arrays {arrays / 1e6:.1f} MB')"
        )
        pairs = out.splitlines()[0]
        print(f"{'load instances only':28s} {figures}  ({pairs})")
        for label, file in ((f"analyze {args.captions // 2} captions", half),
                            (f"analyze {args.captions} captions", captions)):  # fmt: skip
            figures, out = child(
                "from pathlib import Path\n"
                "from comco.analyze.ledger import Ledger\n"
                "from comco.analyze.report import write_outputs\n"
                "from comco.analyze.run import analyze\n"
                "from comco.analyze.stats import layout\n"
                f"run = analyze(Path({str(file)!r}), Path({str(instances)!r}), "
                f"n_boot={args.bootstrap})\n"
                f"write_outputs(run, Path({str(folder / 'out')!r}))\n"
                "print(f'ledger {Ledger(run.n_images, layout()).nbytes / 1e6:.0f} MB; "
                "knobs {run.knobs.flags()}')"
            )
            print(f"{label:28s} {figures}  ({out.splitlines()[0]})")


if __name__ == "__main__":
    main()
