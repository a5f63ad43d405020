"""All the captions one scene's annotation carries: the plain ones and, for scenes with
attributes, the binding caption and its negatives; relation scenes add their relation
captions and count scenes their count captions."""

from __future__ import annotations

from comco.captions.binding import binding_captions, has_attributes
from comco.captions.counting import count_captions
from comco.captions.plain import CaptionSet, CaptionStyle, all_order_captions, itm_pairs
from comco.captions.relations import measured_geometry, predicted_geometry, relation_captions
from comco.core.knobs import CaptionKnobs
from comco.core.spec import SceneSpec


def caption_set(
    spec: SceneSpec,
    style: CaptionStyle,
    knobs: CaptionKnobs | None = None,
    areas: list[float] | None = None,
    boxes: list[tuple[int, int, int, int]] | None = None,
) -> CaptionSet:
    """Every caption the annotation of one scene carries; scenes with attributes also get the
    binding caption and its negatives (`knobs` overrides the spec's, `areas` are measured).
    Relation scenes get relations decided on `boxes` (measured [x, y, w, h], spec order), or
    without them on the boxes predicted from the spec."""
    relations = None
    if spec.relations is not None:
        geometry = predicted_geometry(spec) if boxes is None else measured_geometry(spec, boxes)
        relations = relation_captions(spec, style, geometry)
    return CaptionSet(
        style=style.name,
        orders=all_order_captions(spec, style),
        itm=itm_pairs(spec, style),
        binding=binding_captions(spec, style, knobs, areas) if has_attributes(spec) else None,
        relations=relations,
        counting=count_captions(spec, style),
    )
