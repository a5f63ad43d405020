"""`dataset.json`: how a rendered dataset folder was made, for the runner, export and cards.

The runner writes it when a run starts (`finished` null), again when a worker first reports
its device and Blender version, and once more when the run completes. Readers get the same
typed model, so a key the runner does not write cannot be read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from comco.core.spec import RenderSettings, SceneSpec


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GatesInfo(_Model):
    """The quality gates of the run (see `comco.annotate.measure.QualityGates`)."""

    min_visible_px: int | None = Field(description="None: scaled with the image area")
    large_factor: float
    min_border_px: float
    colour: bool = Field(True, description="objects must look nearest to their palette colour")
    pattern: bool | None = Field(
        None,
        description="patterned objects must show their pattern in their own pixels; None: "
        "rendered before this gate existed",
    )
    min_spread_levels: int | None = Field(
        None,
        description="an image whose every channel spans fewer levels between its 1st and 99th "
        "percentile is rejected as nearly uniform; None: rendered before this gate existed",
    )
    min_visible_px_by_resolution: dict[str, int] = Field(
        description="the minimum visible area used per 'WxH' resolution of the specs"
    )


class SpecFacts(_Model):
    """The distinct sampler choices the specs show: small sets, whatever the spec count."""

    count: int
    vocabs: list[str]
    object_counts: list[int]
    large_counts: list[int]
    seed_min: int | None
    seed_max: int | None
    resolutions: list[str]
    render_settings: list[RenderSettings]

    @classmethod
    def of(cls, specs: list[SceneSpec]) -> SpecFacts:
        renders = {s.render.model_dump_json(): s.render for s in specs}
        return cls(
            count=len(specs),
            vocabs=sorted({s.vocab for s in specs}),
            object_counts=sorted({len(s.objects) for s in specs}),
            large_counts=sorted({sum(o.size_role == "large" for o in s.objects) for s in specs}),
            seed_min=min((s.seed for s in specs), default=None),
            seed_max=max((s.seed for s in specs), default=None),
            resolutions=sorted({f"{s.camera.width}x{s.camera.height}" for s in specs}),
            render_settings=[renders[key] for key in sorted(renders)],
        )


class DatasetInfo(_Model):
    """The provenance of one rendered dataset folder."""

    comco_version: str
    started: str = Field(description="UTC, ISO 8601, of the first run into the folder")
    finished: str | None = Field(description="UTC of the last finished run; None while running")
    library_path: str
    asset_library_sha256: str
    blender_version: str | None = Field(description="None until a worker has started")
    devices: list[str]
    caption_style: str
    quality_gates: GatesInfo
    specs_file: str
    specs_sha256: str
    specs_lines: int
    limit: int | None
    spec_facts: SpecFacts

    def without_local_paths(self) -> DatasetInfo:
        """The provenance as it is published: the library folder and the specs file by name
        only, so no path of the machine that rendered it leaves with the data."""
        return self.model_copy(
            update={
                "library_path": Path(self.library_path).name,
                "specs_file": Path(self.specs_file).name,
            }
        )


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
