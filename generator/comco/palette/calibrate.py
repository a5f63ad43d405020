"""How each palette colour looks when rendered in the studio, measured once and committed
(`data/palette_rendered.yaml`, like `asset_shapes.yaml`).

Shading darkens and specular reflections of the sky lighten a colour, so the colour gate
compares measured colours with these rendered references, not with the albedos.
`comco palette calibrate` renders a balanced set of SimCO and ComCO scenes with the colour
gate off and averages each colour's measured sRGB. It first checks the renders against
references the renderer does not set (`comco.annotate.colour_fidelity`: the albedo and a
colour-naming model) and refuses to write references for a palette that renders washed out
or reads as other colours, which renders compared with renders could never notice.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import numpy as np
import yaml

from comco.annotate.colour_fidelity import palette_fidelity
from comco.annotate.measure import QualityGates
from comco.core.attributes import RENDERED_PATH, AttributeSetup, load_attributes
from comco.core.spec import Camera, RenderSettings
from comco.core.spec_files import write_lines_atomically
from comco.runner.run import RunConfig, run
from comco.sampling.sampler import SamplerConfig, dataset_jobs, spec_lines


def calibration_specs(palette: str, scenes: int, resolution: int, samples: int) -> list[str]:
    """Spec lines: half SimCO, half ComCO, 3 objects with distinct colours of the palette."""
    lines: list[str] = []
    for vocab in ("simco18", "comco72"):
        config = SamplerConfig(
            vocab=vocab,
            objects=3,
            seed=0,
            camera=Camera(width=resolution, height=resolution),
            render=RenderSettings(samples=samples),
            attributes=AttributeSetup(palette=palette, kinds=["color"], distinct=True),
            id_prefix=f"calibrate-{palette}-{vocab}",
        )
        lines += spec_lines(dataset_jobs(config, scenes // 2))
    return lines


def _measured_objects(folder: Path) -> list[dict]:
    """Every object of every annotation in a rendered folder that carries a measured colour."""
    return [
        obj
        for path in sorted((folder / "images").glob("*/*.json"))
        for obj in json.loads(path.read_text())["objects"]
        if obj["color_name"] and obj["measured_srgb"]
    ]


def fidelity_problems(palette: str, folder: Path) -> list[str]:
    """Why a rendered calibration folder's colours do not read as their names (empty when
    they all do)."""
    measured = [(o["color_name"], o["measured_lab"]) for o in _measured_objects(folder)]
    return [p for row in palette_fidelity(palette, measured) for p in row.problems()]


def measured_references(folder: Path) -> dict[str, dict]:
    """Mean measured sRGB per colour word over every annotation in a rendered folder."""
    samples: dict[str, list[list[float]]] = defaultdict(list)
    for obj in _measured_objects(folder):
        samples[obj["color_name"]].append(obj["measured_srgb"])
    return {
        name: {"srgb": [round(float(c), 1) for c in np.mean(v, axis=0)], "objects": len(v)}
        for name, v in sorted(samples.items())
    }


def calibrate(palette: str, out: Path, library: Path, scenes: int, resolution: int) -> dict:
    """Render the calibration scenes into `out` and write the palette's rendered references."""
    colours = load_attributes().palette(palette)
    specs = out.with_suffix(".jsonl")
    write_lines_atomically(specs, calibration_specs(palette, scenes, resolution, 16), True)
    run(
        RunConfig(
            specs=specs,
            out=out,
            library=library,
            gallery=False,
            gates=QualityGates(colour=False),
            progress=False,
        )
    )
    references = measured_references(out)
    missing = sorted(set(colours) - set(references))
    if missing:
        raise RuntimeError(f"palette {palette!r}: no rendered object measured for {missing}")
    problems = fidelity_problems(palette, out)
    if problems:
        raise RuntimeError(
            f"palette {palette!r} does not render as its names, references not written: "
            + "; ".join(problems)
        )
    existing = (yaml.safe_load(RENDERED_PATH.read_text()) if RENDERED_PATH.exists() else {}) or {}
    existing[palette] = {name: references[name] for name in colours}
    header = (
        "# Mean measured sRGB (0-255) of each palette colour rendered in the studio (Standard\n"
        "# view, default light), over SimCO and ComCO objects. Written by `comco palette\n"
        "# calibrate`; the colour gate compares measured object colours with these.\n"
    )
    temporary = RENDERED_PATH.with_name(RENDERED_PATH.name + ".tmp")
    temporary.write_text(header + yaml.safe_dump(existing, sort_keys=True, default_flow_style=None))
    temporary.replace(RENDERED_PATH)
    return existing[palette]
