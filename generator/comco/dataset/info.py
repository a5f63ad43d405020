"""`dataset.json`: how a rendered dataset folder was made, for the runner, export and cards.

The runner writes it when a run starts (`finished` null), again when a worker first reports
its device and Blender version, and once more when the run completes. Readers get the same
typed model, so a key the runner does not write cannot be read.
"""

from __future__ import annotations

from collections.abc import Iterable
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
    """The distinct sampler choices the specs of a folder show: small sets, whatever the spec
    count. Each fact is a set, a minimum or a maximum, so the facts of two groups of specs
    merge into those of both (`FactsTally`): a resumed run merges the facts its folder's
    dataset.json holds with those of the lines it parses, and parses no finished line for them.
    `count` is the number of spec ids the folder has been given (its spec digest records)."""

    count: int
    vocabs: list[str]
    object_counts: list[int]
    large_counts: list[int]
    seed_min: int | None
    seed_max: int | None
    resolutions: list[str]
    render_settings: list[RenderSettings]

    @classmethod
    def of(cls, specs: Iterable[SceneSpec]) -> SpecFacts:
        """The facts of `specs`, counting them."""
        tally = FactsTally()
        count = 0
        for spec in specs:
            tally.add(spec)
            count += 1
        return tally.facts(count)


class FactsTally:
    """`SpecFacts` gathered one spec, or one earlier `SpecFacts`, at a time."""

    def __init__(self) -> None:
        self.vocabs: set[str] = set()
        self.object_counts: set[int] = set()
        self.large_counts: set[int] = set()
        self.seeds: set[int] = set()  # only the least and the greatest are kept
        self.resolutions: set[str] = set()
        self.renders: dict[str, RenderSettings] = {}

    def add(self, spec: SceneSpec) -> None:
        self.vocabs.add(spec.vocab)
        self.object_counts.add(len(spec.objects))
        self.large_counts.add(sum(o.size_role == "large" for o in spec.objects))
        self.seeds = {min((spec.seed, *self.seeds)), max((spec.seed, *self.seeds))}
        self.resolutions.add(f"{spec.camera.width}x{spec.camera.height}")
        self.renders.setdefault(spec.render.model_dump_json(), spec.render)

    def merge(self, facts: SpecFacts) -> None:
        self.vocabs.update(facts.vocabs)
        self.object_counts.update(facts.object_counts)
        self.large_counts.update(facts.large_counts)
        ends = [s for s in (facts.seed_min, facts.seed_max) if s is not None]
        if ends:
            self.seeds = {min((*ends, *self.seeds)), max((*ends, *self.seeds))}
        self.resolutions.update(facts.resolutions)
        for render in facts.render_settings:
            self.renders.setdefault(render.model_dump_json(), render)

    def facts(self, count: int) -> SpecFacts:
        return SpecFacts(
            count=count,
            vocabs=sorted(self.vocabs),
            object_counts=sorted(self.object_counts),
            large_counts=sorted(self.large_counts),
            seed_min=min(self.seeds, default=None),
            seed_max=max(self.seeds, default=None),
            resolutions=sorted(self.resolutions),
            render_settings=[self.renders[key] for key in sorted(self.renders)],
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
