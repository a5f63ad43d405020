"""Caption data-property knobs ("Common Data Properties Limit Object-Attribute Binding in
CLIP"): how many attribute words, how many of the objects, and in which order a caption names
them. Recorded in the spec (`SceneSpec.caption_knobs`) and in each caption record."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CaptionOrder = Literal["spec", "random", "saliency", "reverse-saliency"]


class CaptionKnobs(BaseModel):
    """Defaults name every object, with its attributes, in spec order."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    attribute_density: float = Field(
        1.0, ge=0, le=1, description="chance each named object gets its attribute words"
    )
    completeness: float = Field(
        1.0, ge=0, le=1, description="share of the objects a caption names (at least one)"
    )
    order: CaptionOrder = Field(
        "spec", description="saliency: largest visible area first (predicted before rendering)"
    )
