"""The object vocabulary as data: categories, their words, sizes and the named presets."""

from __future__ import annotations

import difflib
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from comco.core.geometry import UNIT_EXTENTS

DEFAULT_PRESET = "comco72"
ASSET_SHAPES_FILE = "asset_shapes.yaml"


class SizeClass(StrEnum):
    """Real-world size, the paper's rule: small < a school bag <= medium <= a medium car < large."""

    small = "small"
    medium = "medium"
    large = "large"


class Category(BaseModel):
    """One thing a scene may contain, with the words captions need to name it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    article: Literal["a", "an"]
    plural: str
    kind: Literal["object", "shape"]
    coco_id: int | None = None
    size_class: SizeClass
    typical_size_m: float = Field(gt=0)


class Vocabulary(BaseModel):
    """All categories and the presets that select from them."""

    model_config = ConfigDict(extra="forbid")

    presets: dict[str, list[str]]
    categories: list[Category]
    _by_id: dict[str, Category] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: object) -> None:
        self._by_id = {c.id: c for c in self.categories}

    @model_validator(mode="after")
    def _check_ids(self) -> Vocabulary:
        ids = [c.id for c in self.categories]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"categories: duplicate ids {duplicates}")
        known = set(ids)
        for preset, members in self.presets.items():
            unknown = [m for m in members if m not in known]
            if unknown:
                raise ValueError(f"presets.{preset}: unknown category ids {unknown}")
            if len(set(members)) != len(members):
                raise ValueError(f"presets.{preset}: repeated category ids")
        return self

    def category(self, category_id: str) -> Category:
        """Look a category up by id; an unknown id fails with the closest known names."""
        found = self._by_id.get(category_id)
        if found is not None:
            return found
        close = difflib.get_close_matches(category_id, [c.id for c in self.categories], n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownCategoryError(f"unknown category {category_id!r}{hint}")

    def preset(self, name: str) -> list[Category]:
        """The categories of a named preset, in the preset's order."""
        if name not in self.presets:
            raise ValueError(
                f"vocab: unknown preset {name!r}; expected one of {sorted(self.presets)}"
            )
        return [self.category(i) for i in self.presets[name]]


class UnknownCategoryError(ValueError):
    """A category id that is not in the vocabulary."""


@cache
def load_vocabulary() -> Vocabulary:
    """The vocabulary shipped with the package (data/vocabulary.yaml)."""
    text = resources.files("comco").joinpath("data/vocabulary.yaml").read_text()
    return Vocabulary.model_validate(yaml.safe_load(text))


class AssetShape(BaseModel):
    """What placement needs to know of a category's normalised asset."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    extents: tuple[float, float, float] = Field(description="x, y, z size; the largest is 1")
    fill: float = Field(gt=0, le=1, description="share of its unit box it covers on screen")


@cache
def load_asset_shapes() -> dict[str, AssetShape]:
    """Measured shapes of the built assets (data/asset_shapes.yaml, written by
    `comco assets calibrate`)."""
    text = resources.files("comco").joinpath(f"data/{ASSET_SHAPES_FILE}").read_text()
    return {str(k): AssetShape.model_validate(v) for k, v in yaml.safe_load(text).items()}


@cache
def asset_shape(category: str) -> AssetShape:
    """A category's measured shape; an unmeasured one gets the unit cube (always safe for
    placement) and the typical fill."""
    shapes = load_asset_shapes()
    if category in shapes:
        return shapes[category]
    typical = sorted(shape.fill for shape in shapes.values())[len(shapes) // 2]
    return AssetShape(extents=UNIT_EXTENTS, fill=typical)
