"""`comco sample`, `comco suite`, `comco captions` and `comco schema`: the commands that need
no Blender."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click
from pydantic import ValidationError

from comco.captions.plain import caption_style, single_object_captions
from comco.captions.sets import caption_set
from comco.core.catalog import DEFAULT_PRESET
from comco.core.errors import describe_validation_error
from comco.core.spec import Camera, RenderSettings, SceneSpec
from comco.core.spec_files import read_specs, write_lines_atomically
from comco.sampling.binding_options import (
    attribute_options,
    attribute_setup,
    caption_knobs,
    knob_options,
    merged_knobs,
)
from comco.sampling.counting import CountRange
from comco.sampling.relation_options import relation_options, relation_setup
from comco.sampling.sampler import LAYOUT_DIRECTIONS, SamplerConfig, dataset_jobs, spec_lines
from comco.sampling.suites import binding_suite, paper_suite, suite_jobs


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _bad_options(message: str) -> None:
    """Option values that cannot be sampled: a usage error (exit 2), like click's own."""
    raise click.UsageError(message)


def warn_on_empty_splits(path: Path) -> None:
    """Held-out pairs can leave a split with no scene (a k-object scene is train only when
    none of its k pairs is held out): say so on stderr, with the counts."""
    counts = dict.fromkeys(("train", "val", "test"), 0)
    for spec in read_specs(path):
        if spec.split is not None:
            counts[spec.split] += 1
    empty = [name for name, n in counts.items() if n == 0]
    if sum(counts.values()) and empty:
        hint = "lower --holdout-pairs" if "train" in empty else "use --holdout-pairs above 0"
        click.echo(
            f"warning: no {' or '.join(empty)} scene among the {sum(counts.values())} specs "
            f"({counts}); a scene is test or val when it holds a held-out pair: {hint}",
            err=True,
        )


def _shared_options(command: Callable[..., None]) -> Callable[..., None]:
    """Options `sample` and `suite` share: vocabulary, seed, render settings and output."""
    options = [
        click.option(
            "--vocab", default=DEFAULT_PRESET, show_default=True, help="vocabulary preset"
        ),
        click.option("--seed", type=int, default=0, show_default=True),
        click.option(
            "--resolution",
            type=int,
            default=Camera.model_fields["width"].default,
            show_default=True,
            help="image side, px",
        ),
        click.option(
            "--samples",
            type=int,
            default=RenderSettings.model_fields["samples"].default,
            show_default=True,
            help="Cycles samples",
        ),
        click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True),
        click.option("--overwrite", is_flag=True, help="replace an existing --out file"),
        click.option(
            "--jobs",
            type=click.IntRange(min=1),
            default=os.cpu_count() or 1,
            show_default="all cores",
            help="processes (the output is the same for any number)",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.command()
@click.option("--objects", "-k", type=int, default=4, show_default=True, help="objects per scene")
@click.option("--large", type=int, default=0, show_default=True, help="how many are large")
@click.option("--same-size", is_flag=True, help="every object the same scale (same as --large 0)")
@click.option(
    "--layout",
    type=click.Choice(["free", *LAYOUT_DIRECTIONS]),
    default="free",
    show_default=True,
    help="where the largest object goes",
)
@click.option("--all-orders", is_flag=True, help="draw ordered category tuples without repeats")
@click.option("-n", "count", type=int, default=10, show_default=True, help="scenes to sample")
@click.option("--start", type=int, default=0, show_default=True, help="index of the first scene")
@click.option("--denoise/--no-denoise", default=True, show_default=True)
@click.option("--small-scale", nargs=2, type=float, help="range of small scales (m)")
@click.option("--large-scale", nargs=2, type=float, help="range of large scales (m)")
@click.option(
    "--large-factor",
    type=float,
    default=2.0,
    show_default=True,
    help="predicted on-screen area of the large object over each small one that placement "
    "must reach (`comco render --large-gate` checks the measured ratio)",
)
@attribute_options
@knob_options
@relation_options
@_shared_options
def sample(
    objects: int,
    large: int,
    same_size: bool,
    layout: str,
    all_orders: bool,
    vocab: str,
    count: int,
    start: int,
    seed: int,
    resolution: int,
    samples: int,
    denoise: bool,
    small_scale: tuple[float, float] | None,
    large_scale: tuple[float, float] | None,
    large_factor: float,
    attribute_kinds: str | None,
    palette: str | None,
    distinct_attributes: bool,
    holdout_pairs: float,
    holdout_seed: int,
    attribute_density: float | None,
    completeness: float | None,
    order: str | None,
    relation_axes: str | None,
    relation_margin: float,
    depth_margin: float,
    counts: CountRange | None,
    saliency_bias: float | None,
    attributes_per_object: tuple[int, int] | None,
    out: Path,
    overwrite: bool,
    jobs: int,
) -> None:
    """Sample scene specs, one JSON per line. Scene i depends only on (seed, i)."""
    if same_size and large:
        _bad_options(f"--same-size and --large {large} contradict each other; pick one")
    if count < 1 or start < 0:
        _bad_options(f"-n must be at least 1 (got {count}) and --start at least 0 (got {start})")
    scales = {}
    if small_scale:
        scales["small"] = small_scale
    if large_scale:
        scales["large"] = large_scale
    try:
        config = SamplerConfig(
            vocab=vocab,
            objects=objects,
            large=large,
            layout=layout,
            all_orders=all_orders,
            seed=seed,
            scales=scales,
            camera=Camera(width=resolution, height=resolution),
            render=RenderSettings(samples=samples, denoise=denoise),
            large_factor=large_factor,
            attributes=attribute_setup(
                attribute_kinds, palette, distinct_attributes, holdout_pairs, holdout_seed
            ),
            caption_knobs=caption_knobs(
                attribute_density, completeness, order, saliency_bias, attributes_per_object
            ),
            relations=relation_setup(relation_axes, relation_margin, depth_margin),
            counts=counts,
        )
    except ValidationError as error:
        _bad_options(f"invalid sampling options: {describe_validation_error(error)}")
    began = time.perf_counter()
    try:
        written = write_lines_atomically(
            out, spec_lines(dataset_jobs(config, count, start), jobs), overwrite
        )
    except (FileExistsError, ValueError, RuntimeError) as error:
        _fail(str(error))
    seconds = time.perf_counter() - began
    click.echo(f"wrote {written} specs to {out} in {seconds:.1f} s ({written / seconds:.0f}/s)")
    if config.attributes is not None:
        warn_on_empty_splits(out)


@click.command()
@click.option("-n", "count", type=int, default=80, show_default=True, help="scenes in all")
@click.option(
    "--start",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="line of the first scene: shards --start 0 -n N, --start N -n N, ... concatenate to "
    "the same bytes as one run",
)
@click.option(
    "--binding",
    is_flag=True,
    help="the binding suite instead: SimCO and ComCO, 2/3/4/6 objects, distinct clevr8 colours, "
    "10 % of (colour, category) pairs held out for test and 10 % for val",
)
@_shared_options
def suite(
    count: int,
    start: int,
    binding: bool,
    seed: int,
    vocab: str,
    resolution: int,
    samples: int,
    out: Path,
    overwrite: bool,
    jobs: int,
) -> None:
    """The paper's eight configurations (2-5 objects; same size or one large), interleaved."""
    camera = Camera(width=resolution, height=resolution)
    try:
        if binding:
            if click.get_current_context().get_parameter_source("vocab").name != "DEFAULT":
                _bad_options(
                    "--vocab: the binding suite uses both simco18 and comco72; drop --vocab"
                )
            configs = binding_suite(seed, camera, samples)
        else:
            configs = paper_suite(vocab, seed, camera, samples)
        written = write_lines_atomically(
            out, spec_lines(suite_jobs(configs, count, start), jobs), overwrite
        )
    except ValidationError as error:
        _bad_options(f"invalid options: {describe_validation_error(error)}")
    except (FileExistsError, ValueError, RuntimeError) as error:
        _fail(str(error))
    kind = "binding " if binding else ""
    click.echo(f"wrote {written} specs of {len(configs)} {kind}configurations to {out}")
    if binding:
        warn_on_empty_splits(out)


@click.command()
@click.option(
    "--specs", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True
)
@click.option(
    "--template",
    default="articles",
    show_default=True,
    help="articles, bare, photo, or a pattern with {objects}",
)
@click.option("--singles", is_flag=True, help="print the single-object captions of the vocab")
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True)
@knob_options
def captions(
    specs: Path,
    template: str,
    singles: bool,
    out: Path | None,
    overwrite: bool,
    attribute_density: float | None,
    completeness: float | None,
    order: str | None,
    saliency_bias: float | None,
    attributes_per_object: tuple[int, int] | None,
) -> None:
    """Captions of every scene in every object order (JSONL: id + caption set); scenes with
    attributes also get the binding caption under the knobs (given ones override the spec's;
    saliency uses predicted areas) and its negatives."""
    override = caption_knobs(
        attribute_density, completeness, order, saliency_bias, attributes_per_object
    )
    try:
        style = caption_style(template)
        scenes = list(read_specs(specs))
    except ValueError as error:
        _fail(str(error))
    if singles:
        presets = sorted({s.vocab for s in scenes})
        lines = [json.dumps(single_object_captions(p, style)) for p in presets]
    else:
        lines = []
        for s in scenes:
            try:
                captions_ = caption_set(s, style, merged_knobs(s.caption_knobs, override))
            except ValueError as error:
                _fail(f"scene {s.id}: {error}")
            lines.append(
                json.dumps({"id": s.id, **captions_.model_dump(mode="json", exclude_none=False)})
            )
    if out is None:
        sys.stdout.write("".join(line + "\n" for line in lines))
        return
    try:
        write_lines_atomically(out, lines, overwrite)
    except FileExistsError as error:
        _fail(str(error))
    click.echo(f"wrote captions of {len(lines)} scenes to {out}")


@click.command()
def schema() -> None:
    """Print the JSON Schema of a scene spec."""
    click.echo(json.dumps(SceneSpec.model_json_schema(), indent=2))
