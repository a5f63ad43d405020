"""All the captions one scene's annotation carries: the plain ones and, for scenes with
attributes, the binding caption and its negatives."""

from __future__ import annotations

from comco.captions.binding import binding_captions, has_attributes
from comco.captions.plain import CaptionSet, CaptionStyle, all_order_captions, itm_pairs
from comco.core.knobs import CaptionKnobs
from comco.core.spec import SceneSpec


def caption_set(
    spec: SceneSpec,
    style: CaptionStyle,
    knobs: CaptionKnobs | None = None,
    areas: list[float] | None = None,
) -> CaptionSet:
    """Every caption the annotation of one scene carries; scenes with attributes also get the
    binding caption and its negatives (`knobs` overrides the spec's, `areas` are measured)."""
    return CaptionSet(
        style=style.name,
        orders=all_order_captions(spec, style),
        itm=itm_pairs(spec, style),
        binding=binding_captions(spec, style, knobs, areas) if has_attributes(spec) else None,
    )
