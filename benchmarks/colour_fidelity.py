"""Whether binding scenes' colours read as their names: per palette colour, the share of its
albedo's chroma the renders keep, the hue error, the lightness and the basic colour term the
naming model gives it; the colour gate's rejection rate with materials; and how plain ComCO
scenes (no attributes) look under the same settings.

    nice python benchmarks/colour_fidelity.py [--scenes 24] [--size 96] [--samples 8]
        [--palette clevr8 --palette wide16] [--plain 8] [--out DIR] [--library DIR]

For each palette it renders SCENES 3-object scenes of distinct colours (half SimCO, half
ComCO, the calibration scenes of `comco palette calibrate`) with the colour gate off, and as
many with colour and material, on the real library. Fidelity is judged against the albedo in
CIELAB and `comco.core.colour_names`, never against other renders; the gate's rate is what
`comco render` would reject with the committed rendered references. `--out` keeps the renders
(a second call with the same folder only re-measures). Exits 1 when a colour fails.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from comco.annotate.colour_fidelity import palette_fidelity
from comco.annotate.colour_gate import MeasuredColour, colour_problems
from comco.annotate.measure import QualityGates
from comco.assets.library import default_library_dir
from comco.core.attributes import AttributeSetup, load_attributes
from comco.core.spec import Camera, RenderSettings, SceneSpec
from comco.core.spec_files import write_lines_atomically
from comco.runner.run import RunConfig, run
from comco.sampling.sampler import SamplerConfig, dataset_jobs, spec_lines


def _specs(palette: str | None, kinds: list[str], scenes: int, size: int, samples: int):
    lines: list[str] = []
    for vocab in ("simco18", "comco72") if palette else ("comco72",):
        config = SamplerConfig(
            vocab=vocab,
            objects=3,
            seed=0,
            camera=Camera(width=size, height=size),
            render=RenderSettings(samples=samples),
            attributes=AttributeSetup(palette=palette, kinds=kinds, distinct=True)
            if palette
            else None,
            id_prefix=f"fidelity-{palette or 'plain'}-{'-'.join(kinds)}-{vocab}",
        )
        lines += spec_lines(dataset_jobs(config, scenes // 2 if palette else scenes))
    return lines


def _render(lines: list[str], folder: Path, library: Path) -> list[dict]:
    specs = folder.with_suffix(".jsonl")
    write_lines_atomically(specs, lines, True)
    config = RunConfig(specs=specs, out=folder, library=library, gallery=False, progress=False,
                       gates=QualityGates(colour=False))  # fmt: skip
    run(config)
    return [json.loads(p.read_text()) for p in sorted(folder.glob("images/*/*.json"))]


def _fidelity(palette: str, annotations: list[dict]) -> bool:
    measured = [
        (obj["color_name"], obj["measured_lab"])
        for a in annotations
        for obj in a["objects"]
        if obj["color_name"] and obj["measured_lab"]
    ]
    rows = palette_fidelity(palette, measured)
    print(f"\n{palette}: {len(annotations)} scenes, colour only")
    print(f"{'colour':8} {'n':>3} {'chroma kept':>11} {'hue err':>7} {'L albedo':>8} "
          f"{'L render':>8} {'named (median colour)':>28} {'objects named right':>19}")  # fmt: skip
    failed = False
    for row in rows:
        kept = "neutral" if math.isnan(row.chroma_kept) else f"{row.chroma_kept:.0%}"
        hue = "" if math.isnan(row.hue_error_deg) else f"{row.hue_error_deg:.1f}"
        problems = row.problems()
        failed |= bool(problems)
        print(f"{row.word:8} {row.objects:3d} {kept:>11} {hue:>7} {row.albedo_lab[0]:8.1f} "
              f"{row.median_lab[0]:8.1f} {row.named + ' (' + row.term + ')':>28} "
              f"{row.named_share:19.0%}{'  FAIL' if problems else ''}")  # fmt: skip
    missing = sorted(set(load_attributes().palette(palette)) - {r.word for r in rows})
    if missing:
        failed = True
        print(f"no object carried {missing}: render more scenes  FAIL")
    chromatic = [r.chroma_kept for r in rows if not math.isnan(r.chroma_kept)]
    print(f"median over colours: chroma kept {np.median(chromatic):.0%}")
    for row in rows:
        for problem in row.problems():
            print(f"  {problem}")
    return failed


def _gate_rate(palette: str, annotations: list[dict]) -> None:
    rejected = []
    for a in annotations:
        spec = SceneSpec.model_validate(a["spec"])
        colours = [
            MeasuredColour(tuple(o["measured_srgb"]), tuple(o["measured_lab"]))
            if o["measured_lab"]
            else None
            for o in a["objects"]
        ]
        problems = colour_problems(spec, colours)
        if problems:
            rejected.append(problems[0])
    share = len(rejected) / max(1, len(annotations))
    print(f"{palette} colour,material: colour gate would reject {len(rejected)} of "
          f"{len(annotations)} scenes ({share:.1%}; aim at most 5 %)")  # fmt: skip
    for reason in rejected:
        print(f"  {reason}")


def _plain(annotations: list[dict], folder: Path) -> None:
    """Object lightness and chroma, and clipped pixels, of plain ComCO scenes."""
    labs = [o["measured_lab"] for a in annotations for o in a["objects"] if o["measured_lab"]]
    labs = np.asarray(labs) if labs else np.zeros((0, 3))
    clipped, total = 0, 0
    for png in folder.glob("images/*/*.png"):
        rgb = np.asarray(Image.open(png).convert("RGB"))
        clipped += int((rgb.max(axis=-1) >= 254).sum())
        total += rgb.shape[0] * rgb.shape[1]
    chroma = np.hypot(labs[:, 1], labs[:, 2])
    print(f"\nplain comco72, {len(annotations)} scenes: object L* median "
          f"{np.median(labs[:, 0]):.1f}, chroma median {np.median(chroma):.1f}; "
          f"clipped pixels (a channel >= 254) {clipped / max(1, total):.2%}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=24, help="scenes per palette and set")
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--palette", action="append", help="default: clevr8 and wide16")
    parser.add_argument("--plain", type=int, default=8, help="plain ComCO scenes (0: none)")
    parser.add_argument("--out", type=Path, help="keep the renders here (default: temporary)")
    parser.add_argument("--library", type=Path, default=default_library_dir())
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="comco-bench-colour-") as tmp:
        root = args.out or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        failed = False
        for palette in args.palette or ["clevr8", "wide16"]:
            lines = _specs(palette, ["color"], args.scenes, args.size, args.samples)
            failed |= _fidelity(palette, _render(lines, root / f"{palette}-color", args.library))
            lines = _specs(palette, ["color", "material"], args.scenes, args.size, args.samples)
            _gate_rate(palette, _render(lines, root / f"{palette}-material", args.library))
        if args.plain:
            lines = _specs(None, [], args.plain, args.size, args.samples)
            _plain(_render(lines, root / "plain", args.library), root / "plain")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
