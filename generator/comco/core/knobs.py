"""Caption data-property knobs ("Common Data Properties Limit Object-Attribute Binding in
CLIP"): how many attribute words, how many of the objects, and in which order a caption names
them. Recorded in the spec (`SceneSpec.caption_knobs`) and in each caption record."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_serializer, model_validator

CaptionOrder = Literal["spec", "random", "saliency", "reverse-saliency"]
# Knobs added after the first three: left out of the JSON when unset, so specs and captions
# made without them keep their bytes.
OMITTED_WHEN_UNSET = ("saliency_bias", "attributes_per_object")


def named_count(completeness: float, k: int) -> int:
    """How many of k objects a caption names: completeness x k rounded half up (0.5 x 3 = 1.5
    names 2, 0.5 x 5 = 2.5 names 3; Python's round() would give 2 for both), at least one.
    A hair of slack keeps products like 0.7 x 5 = 3.4999... on the intended side."""
    return max(1, min(k, math.floor(completeness * k + 0.5 + 1e-9)))


class CaptionKnobs(BaseModel):
    """Defaults name every object, with its attributes, in spec order."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    attribute_density: float = Field(
        1.0, ge=0, le=1, description="chance each named object gets its attribute words"
    )
    completeness: float = Field(
        1.0,
        ge=0,
        le=1,
        description="share of the objects a caption names: completeness x k rounded half up, "
        "at least one",
    )
    order: CaptionOrder = Field(
        "spec", description="saliency: largest visible area first (predicted before rendering)"
    )
    saliency_bias: float | None = Field(
        None,
        ge=0,
        le=1,
        description="chance a caption names objects largest first; otherwise in a random order "
        "that is not the saliency order (replaces `order`, which must stay spec)",
    )
    attributes_per_object: tuple[int, int] | None = Field(
        None,
        description="each object shown with attributes names a number of its attribute words "
        "drawn uniformly from [A, B] (unset: all it carries)",
    )

    @model_validator(mode="after")
    def _check(self) -> CaptionKnobs:
        if self.saliency_bias is not None and self.order != "spec":
            raise ValueError(
                f"saliency_bias: {self.saliency_bias} sets the order itself; order must stay "
                f"'spec', got {self.order!r}"
            )
        if self.attributes_per_object is not None:
            low, high = self.attributes_per_object
            if not 1 <= low <= high:
                raise ValueError(f"attributes_per_object: {low}-{high}; expected 1 <= A <= B")
        return self

    @model_serializer(mode="wrap")
    def _omit_unset(self, handler):
        data = handler(self)
        for name in OMITTED_WHEN_UNSET:
            if data.get(name) is None:
                data.pop(name, None)
        return data
