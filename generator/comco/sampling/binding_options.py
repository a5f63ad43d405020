"""Command-line options of attribute-binding datasets, shared by `comco sample`, `comco suite`
and `comco captions`, and their translation into `AttributeSetup` / `CaptionKnobs`."""

from __future__ import annotations

from collections.abc import Callable
from typing import get_args

import click
from pydantic import ValidationError

from comco.core.attributes import AttributeKind, AttributeSetup, load_attributes
from comco.core.knobs import CaptionKnobs, CaptionOrder
from comco.sampling.suites import DEFAULT_PALETTE


def _unit_interval(name: str) -> Callable[[click.Context, click.Parameter, float | None], float]:
    def check(_ctx: click.Context, _param: click.Parameter, value: float | None):
        if value is not None and not 0.0 <= value <= 1.0:
            raise click.BadParameter(f"{name} {value} is outside [0, 1]", param_hint=name)
        return value

    return check


def _count_range(
    _ctx: click.Context, _param: click.Parameter, value: str | None
) -> tuple[int, int] | None:
    """'A-B' (or 'A') as (A, B) with 1 <= A <= B."""
    if value is None:
        return None
    low, _, high = value.partition("-")
    try:
        bounds = (int(low), int(high or low))
    except ValueError:
        bounds = (0, 0)
    if not 1 <= bounds[0] <= bounds[1]:
        raise click.BadParameter(
            f"{value!r}: expected A-B with whole numbers 1 <= A <= B, e.g. 1-3",
            param_hint="--attributes-per-object",
        )
    return bounds


def knob_options(command: Callable[..., None]) -> Callable[..., None]:
    """--attribute-density, --completeness, --order, --saliency-bias, --attributes-per-object
    (unset: the spec's knobs, else defaults)."""
    options = [
        click.option(
            "--attribute-density",
            type=float,
            callback=_unit_interval("--attribute-density"),
            help="chance each named object gets its attribute words, in [0, 1] (default 1)",
        ),
        click.option(
            "--completeness",
            type=float,
            callback=_unit_interval("--completeness"),
            help="share of the objects a caption names (at least one), in [0, 1] (default 1)",
        ),
        click.option(
            "--order",
            type=click.Choice(get_args(CaptionOrder)),
            help="order the caption names objects in (default spec; saliency = largest first)",
        ),
        click.option(
            "--saliency-bias",
            type=float,
            callback=_unit_interval("--saliency-bias"),
            help="chance a caption names objects largest first, else in another random order, "
            "in [0, 1] (replaces --order)",
        ),
        click.option(
            "--attributes-per-object",
            callback=_count_range,
            help="A-B: each object shown with attributes names A to B of its attribute words "
            "(default: all it carries)",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def attribute_options(command: Callable[..., None]) -> Callable[..., None]:
    """--attributes, --palette, --distinct-attributes, --holdout-pairs, --holdout-seed."""
    options = [
        click.option(
            "--attributes",
            "attribute_kinds",
            help="attributes every object gets, comma-separated: color, material, size, "
            "pattern, finish (size words from the size roles, needs --large; pattern needs "
            "color; finish excludes material)",
        ),
        click.option(
            "--palette",
            help=f"colour palette of data/attributes.yaml (with color: default {DEFAULT_PALETTE}, "
            "as in comco suite --binding)",
        ),
        click.option("--distinct-attributes", is_flag=True, help="no two objects share a value"),
        click.option(
            "--holdout-pairs",
            type=float,
            default=0.0,
            show_default=True,
            help="share of (attribute, category) pairs held out for test (and as many for val)",
        ),
        click.option("--holdout-seed", type=int, default=0, show_default=True),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def parse_kinds(text: str) -> list[AttributeKind]:
    allowed = get_args(AttributeKind)
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    for kind in kinds:
        if kind not in allowed:
            raise click.BadParameter(
                f"{kind!r} is not an attribute; expected a comma-separated list of {allowed}",
                param_hint="--attributes",
            )
    if not kinds or len(set(kinds)) != len(kinds):
        raise click.BadParameter(
            f"{text!r}: expected a comma-separated list of distinct kinds of {allowed}",
            param_hint="--attributes",
        )
    return kinds


def attribute_setup(
    kinds_text: str | None,
    palette: str | None,
    distinct: bool,
    holdout: float,
    holdout_seed: int,
) -> AttributeSetup | None:
    """The setup the options describe; None without --attributes (and then no other attribute
    option may be given)."""
    if kinds_text is None:
        given = [
            name
            for name, value in (
                ("--palette", palette),
                ("--distinct-attributes", distinct),
                ("--holdout-pairs", holdout),
            )
            if value
        ]
        if given:
            raise click.UsageError(
                f"{', '.join(given)} needs --attributes (e.g. --attributes color)"
            )
        return None
    kinds = parse_kinds(kinds_text)
    palettes = sorted(load_attributes().palettes)
    if "color" in kinds and palette is None:
        palette = DEFAULT_PALETTE
    if palette is not None and palette not in load_attributes().palettes:
        raise click.BadParameter(
            f"unknown palette {palette!r}; expected one of {palettes}",
            param_hint="--palette",
        )
    if "color" not in kinds and palette is not None:
        raise click.UsageError(f"--palette {palette} needs --attributes with color")
    if not 0.0 <= holdout <= 0.5:
        raise click.BadParameter(
            f"{holdout} is outside [0, 0.5] (that share is held out for test and as much for val)",
            param_hint="--holdout-pairs",
        )
    if holdout_seed < 0:
        raise click.BadParameter(f"{holdout_seed} is negative", param_hint="--holdout-seed")
    try:
        return AttributeSetup(
            palette=palette,
            kinds=kinds,
            distinct=distinct,
            holdout_fraction=holdout,
            holdout_seed=holdout_seed,
        )
    except ValidationError as error:  # kinds that do not go together, e.g. pattern alone
        message = error.errors()[0]["msg"].removeprefix("Value error, ")
        raise click.BadParameter(message, param_hint="--attributes") from None


def _knobs(values: dict) -> CaptionKnobs:
    try:
        return CaptionKnobs(**values)
    except ValidationError as error:
        problem = error.errors()[0]
        where = ".".join(str(p) for p in problem["loc"]) or "caption knobs"
        raise click.UsageError(f"{where}: {problem['msg']}") from None


def caption_knobs(
    density: float | None,
    completeness: float | None,
    order: str | None,
    saliency_bias: float | None = None,
    attributes_per_object: tuple[int, int] | None = None,
) -> CaptionKnobs | None:
    """Knobs from the options; None when none was given."""
    given = {
        name: value
        for name, value in (
            ("attribute_density", density),
            ("completeness", completeness),
            ("order", order),
            ("saliency_bias", saliency_bias),
            ("attributes_per_object", attributes_per_object),
        )
        if value is not None
    }
    return _knobs(given) if given else None


def merged_knobs(
    spec_knobs: CaptionKnobs | None, override: CaptionKnobs | None
) -> CaptionKnobs | None:
    """The spec's knobs with the ones given on the command line replacing theirs (a given
    --saliency-bias also resets the spec's order to spec)."""
    if override is None:
        return spec_knobs
    merged = (spec_knobs or CaptionKnobs()).model_dump()
    merged.update({k: getattr(override, k) for k in override.model_fields_set})
    if "saliency_bias" in override.model_fields_set and "order" not in override.model_fields_set:
        merged["order"] = "spec"
    return _knobs(merged)
