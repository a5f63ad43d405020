"""The asset catalog (`assets/catalog.yaml`): for every category, where its mesh comes from
and how to turn it into a normalised asset. Data, not code, so a better model is a one-line
change; validated here so a typo fails before a 1 GB package is streamed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from comco.assets.materials import check_rules

CATALOG_PATH = Path(__file__).resolve().parents[3] / "assets" / "catalog.yaml"

Format = Literal["obj", "pmd", "spm", "ac3d", "procedural"]


class AssetSource(BaseModel):
    """One category's source mesh and the fixes it needs."""

    model_config = ConfigDict(extra="forbid")

    format: Format
    package: str | None = Field(None, description="Debian package; None for procedural")
    archive: str | None = Field(None, description="zip inside the package holding `model`")
    model: str = Field(description="member path of the mesh, or the procedural builder's name")
    textures: list[str] = Field(default_factory=list, description="members the mesh needs")
    keep: list[str] = Field(default_factory=list, description="regexes over part names to keep")
    cluster: bool = Field(False, description="keep only the parts around the largest one")
    rotate_deg: tuple[float, float, float] = Field(
        (0.0, 0.0, 0.0), description="XYZ Euler fix in the Z-up frame, before `yaw_deg`"
    )
    yaw_deg: float = Field(0.0, description="turn about z so the recognisable view faces -Y")
    fix_normals: bool = Field(False, description="rebuild consistent outward normals")
    recolour: dict[str, tuple[float, ...]] = Field(
        default_factory=dict,
        description="material-name regex -> RGB(A) 0..1: plain colour for those parts",
    )
    drop_materials: list[str] = Field(
        default_factory=list, description="material-name regexes of parts to leave out"
    )
    clip_below_z: float | None = Field(
        None, description="cut away what lies below this height (source units, Z-up)"
    )
    licence: str
    author: str
    why: str = Field(
        "", description="why this model was chosen (for reviewers; not part of the build)"
    )

    @field_validator("keep", "drop_materials")
    @classmethod
    def _regexes_compile(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"bad regex {pattern!r}: {error}") from error
        return value

    @field_validator("recolour")
    @classmethod
    def _rules_valid(cls, value: dict[str, tuple[float, ...]]) -> dict[str, tuple[float, ...]]:
        return check_rules(value)

    @model_validator(mode="after")
    def _package_matches_format(self) -> AssetSource:
        if (self.format == "procedural") != (self.package is None):
            raise ValueError(
                f"format={self.format!r} with package={self.package!r}: procedural assets "
                "have no package and every other format needs one"
            )
        return self


class AssetCatalog(BaseModel):
    """Every category's source, plus the library-wide limits."""

    model_config = ConfigDict(extra="forbid")

    face_budget: int = Field(gt=0, description="most faces one asset may have")
    categories: dict[str, AssetSource]

    def packages(self) -> list[str]:
        """The Debian packages the catalog draws from, sorted."""
        return sorted({s.package for s in self.categories.values() if s.package})


def load_catalog(path: Path = CATALOG_PATH) -> AssetCatalog:
    """Read and validate the catalog."""
    return AssetCatalog.model_validate(yaml.safe_load(path.read_text()))
