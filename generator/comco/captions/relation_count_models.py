"""The shapes of relation and count captions, kept apart from the code that writes them so
the caption set (`comco.captions.plain.CaptionSet`) can hold them without an import cycle."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from comco.core.relations import Relation

RelationNegativeKind = Literal["argument_swap", "relation_flip"]
CountNegativeKind = Literal["count_minus_2", "count_minus_1", "count_plus_1", "count_plus_2"]


class RelationCaption(BaseModel):
    """'a dog to the left of a cup': `objects` = [subject, reference] spec indices."""

    text: str
    relation: Relation
    objects: list[int]
    distance_m: float = Field(description="ground distance between the two objects' centres")


class RelationNegative(BaseModel):
    """A false caption made from `positive`: its arguments swapped ('a cup to the left of a
    dog') or its relation flipped ('a dog to the right of a cup'); `objects` are the
    positive's [subject, reference], `relation` the relation the negative states."""

    kind: RelationNegativeKind
    text: str
    positive: str
    objects: list[int]
    relation: Relation


class RelationCaptions(BaseModel):
    """Every unambiguous relation of a scene and its negatives, with the margins that decided
    them and the boxes they were decided from."""

    margin_px: float = Field(description="screen gap needed for left/right, pixels")
    depth_margin_m: float = Field(description="depth gap needed for front/behind, metres")
    boxes: Literal["measured", "predicted"] = Field(
        description="measured: visible boxes of the render; predicted: conservative boxes "
        "projected from the spec (captions made without a render)"
    )
    colours: bool = Field(description="whether object phrases carry their colour/material")
    captions: list[RelationCaption]
    negatives: list[RelationNegative]


class CountNegative(BaseModel):
    """The count caption with the counted category's number changed by `delta`."""

    kind: CountNegativeKind
    delta: int
    text: str
    positive: str


class CountCaptions(BaseModel):
    """'three cups and a dog': the counted category named first, with its count, and the
    captions that miscount it (n-2, n-1, n+1, n+2; never below one)."""

    category: str
    count: int = Field(ge=1)
    objects: list[int] = Field(description="spec indices of the counted objects")
    caption: str
    negatives: list[CountNegative]
