"""Whether patterns and finishes read in binding renders: per pattern, how many objects show
it by the pattern gate's measure, the contrast pixels' share, and the colour of the base
pixels against the albedo; per finish, the colour gate's rate; and how often the pattern
measure would call a plain object patterned.

    nice python benchmarks/pattern_fidelity.py [--scenes 16] [--size 128] [--samples 8]
        [--palette clevr8] [--out DIR] [--library DIR]

Renders SCENES 3-object ComCO scenes with colour and pattern, as many with colour and finish,
and as many with colour only, on the real library, with every gate off (the figures are
what the gates would do). Colour fidelity of patterned objects is measured on their base
pixels only (`comco.annotate.pattern_gate.colour_masks`, as the runner measures them).
`--out` keeps the renders (a second call with the same folder only re-measures).
"""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from comco.annotate.annotation import ImageAnnotation
from comco.annotate.colour_fidelity import colour_fidelity
from comco.annotate.colour_gate import colour_problems, measure_colours
from comco.annotate.measure import QualityGates
from comco.annotate.pattern_gate import colour_masks, measure_pattern, pattern_problems
from comco.assets.library import default_library_dir
from comco.core.attributes import AttributeSetup, load_attributes
from comco.core.colour import srgb_to_lab
from comco.core.spec import Camera, RenderSettings
from comco.core.spec_files import write_lines_atomically
from comco.runner.run import RunConfig, run
from comco.sampling.sampler import SamplerConfig, dataset_jobs, spec_lines

OFF = QualityGates(colour=False, pattern=False)


def _render(kinds: list[str], args: argparse.Namespace, root: Path) -> list[tuple]:
    """(annotation, rgb, masks) of SCENES rendered scenes whose objects carry `kinds`."""
    name = "-".join(kinds)
    config = SamplerConfig(
        vocab="comco72",
        objects=3,
        seed=1,
        camera=Camera(width=args.size, height=args.size),
        render=RenderSettings(samples=args.samples),
        attributes=AttributeSetup(palette=args.palette, kinds=kinds),
        id_prefix=f"pattern-fidelity-{name}",
    )
    folder = root / name
    specs = folder.with_suffix(".jsonl")
    write_lines_atomically(specs, list(spec_lines(dataset_jobs(config, args.scenes))), True)
    run(RunConfig(specs=specs, out=folder, library=args.library, gallery=False, progress=False,
                  gates=OFF))  # fmt: skip
    scenes = []
    for path in sorted(folder.glob("images/*/*.json")):
        annotation = ImageAnnotation.model_validate_json(path.read_text())
        rgb = np.asarray(Image.open(path.with_name(annotation.image)).convert("RGB"))
        masks = [o.mask.decode() for o in sorted(annotation.objects, key=lambda o: o.index)]
        scenes.append((annotation, rgb, masks))
    return scenes


def _patterns(scenes: list[tuple], palette: str) -> None:
    print(f"\n{palette}, colour and pattern: {len(scenes)} scenes")
    print(f"{'pattern':8} {'n':>3} {'shows':>6} {'contrast':>8} {'clear':>6} "
          f"{'chroma kept':>11} {'hue err':>7} {'named right':>11}")  # fmt: skip
    by_pattern: dict[str, list] = {p: [] for p in load_attributes().patterns}
    for annotation, rgb, masks in scenes:
        spec = annotation.spec
        base = measure_colours(rgb, colour_masks(spec, rgb, masks))
        for obj, mask, colour in zip(spec.objects, masks, base, strict=True):
            if mask.any():
                by_pattern[obj.pattern].append((obj, measure_pattern(rgb, mask, obj.color), colour))
    for pattern, rows in by_pattern.items():
        if not rows:
            print(f"{pattern:8}   0")
            continue
        fidelity = [colour_fidelity(palette, o.color_name, [c.lab]) for o, _, c in rows]
        kept = [f.chroma_kept for f in fidelity if not math.isnan(f.chroma_kept)]
        hue = [f.hue_error_deg for f in fidelity if not math.isnan(f.hue_error_deg)]
        print(f"{pattern:8} {len(rows):3d} {np.mean([m.shows() for _, m, _ in rows]):6.0%} "
              f"{np.median([m.contrast_share for _, m, _ in rows]):8.0%} "
              f"{np.median([m.clear_share for _, m, _ in rows]):6.0%} "
              f"{np.median(kept):11.0%} {np.median(hue):7.1f} "
              f"{np.mean([f.named_share for f in fidelity]):11.0%}")  # fmt: skip
    rejected = [s for s in scenes if pattern_problems(s[0].spec, s[1], s[2])]
    print(f"pattern gate would reject {len(rejected)} of {len(scenes)} scenes "
          f"({len(rejected) / max(1, len(scenes)):.0%})")  # fmt: skip
    colour = [s for s in scenes if colour_problems(s[0].spec, _colours(s))]
    print(f"colour gate (base pixels) would reject {len(colour)} of {len(scenes)} scenes")


def _colours(scene: tuple) -> list:
    annotation, rgb, masks = scene
    return measure_colours(rgb, colour_masks(annotation.spec, rgb, masks))


def _finishes(scenes: list[tuple], palette: str) -> None:
    print(f"\n{palette}, colour and finish: {len(scenes)} scenes")
    spread: dict[str, list[float]] = {f: [] for f in load_attributes().finishes}
    for annotation, rgb, masks in scenes:
        for obj, mask in zip(annotation.spec.objects, masks, strict=True):
            if mask.sum() >= 30:
                lightness = _lightness(rgb[mask])
                spread[obj.finish].append(np.percentile(lightness, 98) - np.median(lightness))
    for finish, values in spread.items():
        print(f"{finish:8} {len(values):3d} objects: L* p98 - median {np.median(values):5.1f}")
    rejected = [s for s in scenes if colour_problems(s[0].spec, _colours(s))]
    print(f"colour gate would reject {len(rejected)} of {len(scenes)} scenes")
    for scene in rejected:
        print(f"  {colour_problems(scene[0].spec, _colours(scene))[0]}")


def _lightness(pixels: np.ndarray) -> np.ndarray:
    return srgb_to_lab(pixels.astype(np.float64) / 255.0)[:, 0]


def _plain(scenes: list[tuple]) -> None:
    measured = [
        measure_pattern(rgb, mask, obj.color)
        for annotation, rgb, masks in scenes
        for obj, mask in zip(annotation.spec.objects, masks, strict=True)
        if mask.any()
    ]
    false = sum(m.shows() for m in measured)
    print(f"\nplain objects the pattern measure calls patterned: {false} of {len(measured)}; "
          f"contrast share max {max(m.contrast_share for m in measured):.0%}, clear share "
          f"max {max(m.clear_share for m in measured):.0%}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=16, help="scenes per set")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--palette", default="clevr8")
    parser.add_argument("--out", type=Path, help="keep the renders here (default: temporary)")
    parser.add_argument("--library", type=Path, default=default_library_dir())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="comco-bench-pattern-") as tmp:
        root = args.out or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        _patterns(_render(["color", "pattern"], args, root), args.palette)
        _finishes(_render(["color", "finish"], args, root), args.palette)
        _plain(_render(["color"], args, root))


if __name__ == "__main__":
    main()
