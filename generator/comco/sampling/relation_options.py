"""Command-line options of relation and count scenes (`comco sample`), and their translation
into `RelationSetup` / `CountRange`."""

from __future__ import annotations

from collections.abc import Callable

import click
from pydantic import ValidationError

from comco.core.errors import describe_validation_error
from comco.core.relations import RelationSetup, parse_axes
from comco.sampling.counting import CountRange, parse_counts

DEFAULTS = RelationSetup()


def _counts(_ctx: click.Context, _param: click.Parameter, value: str | None) -> CountRange | None:
    if value is None:
        return None
    try:
        return parse_counts(value)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--counts") from None


def relation_options(command: Callable[..., None]) -> Callable[..., None]:
    """--relations, --relation-margin, --depth-margin, --counts."""
    options = [
        click.option(
            "--relations",
            "relation_axes",
            help="place objects 0 and 1 so these relations hold, sides balanced over scenes: "
            "left-right, front-back or left-right,front-back",
        ),
        click.option(
            "--relation-margin",
            type=float,
            default=DEFAULTS.margin,
            show_default=True,
            help="screen gap (share of image width) two boxes need for left/right",
        ),
        click.option(
            "--depth-margin",
            type=float,
            default=DEFAULTS.depth_margin_m,
            show_default=True,
            help="depth gap (metres) two objects need for in front of/behind",
        ),
        click.option(
            "--counts",
            callback=_counts,
            help="count scenes: the first of --objects categories repeated LOW-HIGH times "
            "(e.g. 1-6), the count cycling over scenes",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def relation_setup(axes: str | None, margin: float, depth_margin: float) -> RelationSetup | None:
    """The setup the options ask for; None without --relations."""
    if axes is None:
        return None
    try:
        return RelationSetup(axes=parse_axes(axes), margin=margin, depth_margin_m=depth_margin)
    except ValueError as error:
        message = (
            describe_validation_error(error) if isinstance(error, ValidationError) else str(error)
        )
        raise click.BadParameter(message, param_hint="--relations") from None
