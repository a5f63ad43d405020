"""Render rate of attribute-binding scenes against the same scenes without attributes, and
the share of binding scenes the colour gate rejects.

    python benchmarks/binding_render_rate.py [--n 30] [--size 224] [--samples 8]
        [--attributes color] [--palette clevr8] [--rounds 2] [--library assets/library]

Samples N 3-object ComCO scenes with distinct palette colours, and their plain twins (the
same specs with every attribute removed). Runs plain and binding renders alternately
(`--rounds` times each, so machine load drifts hit both) and prints, per run, the mean
in-worker seconds per image and the steady kept rate, then the binding/plain ratios and the
colour-gate rejections. Recolouring only changes node values of the persistent scene, so the
two rates should agree within noise.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from comco.assets.library import default_library_dir
from comco.attributes import AttributeSetup
from comco.runner.run import RunConfig, run
from comco.sampler import SamplerConfig, sample_scenes
from comco.spec import Camera, RenderSettings, SceneSpec


def _plain(spec: SceneSpec) -> str:
    """The spec with its attributes removed (same objects, poses, camera and seed)."""
    data = spec.model_dump(mode="json")
    for obj in data["objects"]:
        obj.update(color=None, color_name=None, material=None)
    for name in ("attributes", "split", "caption_knobs"):
        data.pop(name, None)
    return SceneSpec.model_validate(data).model_dump_json()


def _render(specs: Path, out: Path, library: Path) -> dict:
    began = time.perf_counter()
    summary = run(RunConfig(specs=specs, out=out, library=library, gallery=False, progress=False))
    wall = time.perf_counter() - began
    done = sorted(out.glob("images/*/*.json"), key=lambda p: p.stat().st_mtime)
    stamps = [p.stat().st_mtime for p in done]
    seconds = [json.loads(p.read_text())["render"]["seconds"] for p in done]
    rejected = [json.loads(line) for line in (out / "rejected.jsonl").read_text().splitlines()]
    return {
        "kept": summary["rendered"],
        "rejected": summary["rejected"],
        "colour_gate": sum(r["reason"].startswith("colour gate:") for r in rejected),
        "reasons": [r["reason"] for r in rejected],
        "wall_s": wall,
        "worker_s": sum(seconds) / max(1, len(seconds)),
        "steady": (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--attributes", default="color", help="color or color,material")
    parser.add_argument("--palette", default="clevr8")
    parser.add_argument("--rounds", type=int, default=2)
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
    results: dict[str, list[dict]] = {"plain": [], "binding": []}
    with tempfile.TemporaryDirectory(prefix="comco-bench-binding-") as tmp:
        files = {"plain": Path(tmp) / "plain.jsonl", "binding": Path(tmp) / "binding.jsonl"}
        files["plain"].write_text("".join(_plain(s) + "\n" for s in specs))
        files["binding"].write_text("".join(s.model_dump_json() + "\n" for s in specs))
        for r in range(args.rounds):
            for kind in ("plain", "binding"):
                result = _render(files[kind], Path(tmp) / f"{kind}-{r}", args.library)
                results[kind].append(result)
                print(
                    f"{kind:8s} round {r}: kept {result['kept']} rejected {result['rejected']} "
                    f"worker s/image {result['worker_s']:.3f} steady kept/s "
                    f"{result['steady']:.2f} wall {result['wall_s']:.1f} s"
                )
    mean = {k: sum(r["worker_s"] for r in v) / len(v) for k, v in results.items()}
    steady = {k: sum(r["steady"] for r in v) / len(v) for k, v in results.items()}
    print(
        f"{args.n} scenes x {args.rounds} rounds, {args.size} px, {args.samples} spp, "
        f"attributes {args.attributes}, palette {args.palette}"
    )
    print(f"worker s/image binding/plain {mean['binding'] / mean['plain']:.3f}")
    print(f"steady kept/s binding/plain  {steady['binding'] / steady['plain']:.3f}")
    gate = results["binding"][0]
    print(f"colour gate rejected {gate['colour_gate']} of {args.n} binding scenes")
    for reason in gate["reasons"]:
        print(f"  {reason}")


if __name__ == "__main__":
    main()
