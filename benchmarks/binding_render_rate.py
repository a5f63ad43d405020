"""Render cost of attribute-binding scenes against the same scenes without attributes, and
the share of binding scenes the colour gate rejects.

    python benchmarks/binding_render_rate.py [--n 24] [--size 224] [--samples 8]
        [--attributes color] [--palette clevr8] [--library assets/library]

Samples N 3-object ComCO scenes with distinct palette colours and their plain twins (the same
specs with every attribute removed), and renders them in one run, interleaved (binding, plain,
binding, plain, ...) so that the load of a shared machine hits both alike, twice over: the
first pass imports the assets and makes each object's tintable materials, the second shows the
steady state of a long run. Prints the mean in-worker seconds per image of each kind in the
second pass, their ratio and the median of the per-scene ratios, and the colour-gate
rejections of the binding scenes.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from comco.assets.library import default_library_dir
from comco.core.attributes import AttributeSetup
from comco.core.spec import Camera, RenderSettings, SceneSpec
from comco.runner.run import RunConfig, run
from comco.sampling.sampler import SamplerConfig, sample_scenes


def _variant(spec: SceneSpec, suffix: str, plain: bool) -> str:
    """The spec under a new id; `plain` removes every attribute (same objects, poses, seed)."""
    data = spec.model_dump(mode="json")
    data["id"] = f"{spec.id}-{suffix}"
    if plain:
        for obj in data["objects"]:
            obj.update(color=None, color_name=None, material=None)
        for name in ("attributes", "split", "caption_knobs"):
            data.pop(name, None)
    return SceneSpec.model_validate(data).model_dump_json()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=24)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--attributes", default="color", help="color or color,material")
    parser.add_argument("--palette", default="clevr8")
    parser.add_argument("--library", type=Path, default=default_library_dir())
    args = parser.parse_args()
    config = SamplerConfig(
        vocab="comco72",
        objects=3,
        seed=0,
        camera=Camera(width=args.size, height=args.size),
        render=RenderSettings(samples=args.samples, denoise=False),
        attributes=AttributeSetup(
            palette=args.palette, kinds=args.attributes.split(","), distinct=True
        ),
    )
    specs = list(sample_scenes(config, args.n))
    lines = [
        _variant(spec, f"{kind}{p}", kind == "plain")
        for p in (1, 2)
        for spec in specs
        for kind in ("binding", "plain")
    ]
    with tempfile.TemporaryDirectory(prefix="comco-bench-binding-") as tmp:
        file, out = Path(tmp) / "specs.jsonl", Path(tmp) / "out"
        file.write_text("".join(line + "\n" for line in lines))
        summary = run(RunConfig(specs=file, out=out, library=args.library, gallery=False,
                                progress=False))  # fmt: skip
        seconds = {
            p.stem: json.loads(p.read_text())["render"]["seconds"]
            for p in out.glob("images/*/*.json")
        }
        log = out / "rejected.jsonl"  # written only when something is rejected
        rejected = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
    pairs = [
        (seconds[f"{s.id}-binding2"], seconds[f"{s.id}-plain2"])
        for s in specs
        if f"{s.id}-binding2" in seconds and f"{s.id}-plain2" in seconds
    ]
    binding = sum(b for b, _ in pairs) / len(pairs)
    plain = sum(p for _, p in pairs) / len(pairs)
    gate = [r for r in rejected if r["reason"].startswith("colour gate:")]
    gate_first = [r for r in gate if r["id"].endswith("-binding1")]
    print(
        f"{args.n} scenes, {args.size} px, {args.samples} spp, attributes {args.attributes}, "
        f"palette {args.palette}, devices {summary['devices']}"
    )
    print(f"kept {summary['rendered']} rejected {summary['rejected']} of {len(lines)}")
    print(f"second pass, {len(pairs)} scene pairs: worker s/image binding {binding:.3f} "
          f"plain {plain:.3f} ratio {binding / plain:.3f}")  # fmt: skip
    print(f"median per-scene ratio {statistics.median(b / p for b, p in pairs):.3f}")
    print(f"colour gate rejected {len(gate_first)} of {args.n} binding scenes")
    for record in gate_first:
        print(f"  {record['reason']}")


if __name__ == "__main__":
    main()
