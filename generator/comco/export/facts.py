"""What the dataset card says about how the images were made, gathered while streaming.

Only small values are kept (sets of settings, seed range, counts), never images.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from comco.annotate.annotation import ImageAnnotation


@dataclass
class GenerationFacts:
    """Distinct settings and versions over every exported image."""

    images: int = 0
    seed_min: int | None = None
    seed_max: int | None = None
    vocabs: set[str] = field(default_factory=set)
    caption_styles: set[str] = field(default_factory=set)
    categories: Counter[str] = field(default_factory=Counter)
    render_settings: set[str] = field(default_factory=set)
    cameras: set[str] = field(default_factory=set)
    lights: set[str] = field(default_factory=set)
    devices: set[str] = field(default_factory=set)
    blender_versions: set[str] = field(default_factory=set)
    comco_versions: set[str] = field(default_factory=set)
    library_sha256: set[str] = field(default_factory=set)
    attribute_setups: set[str] = field(default_factory=set)
    caption_knobs: set[str] = field(default_factory=set)
    splits: Counter[str] = field(default_factory=Counter)
    relation_setups: set[str] = field(default_factory=set)
    counts: Counter[int] = field(default_factory=Counter)

    def add(self, annotation: ImageAnnotation) -> None:
        spec, render = annotation.spec, annotation.render
        self.images += 1
        self.seed_min = spec.seed if self.seed_min is None else min(self.seed_min, spec.seed)
        self.seed_max = spec.seed if self.seed_max is None else max(self.seed_max, spec.seed)
        self.vocabs.add(spec.vocab)
        self.caption_styles.add(annotation.captions.style)
        self.categories.update(spec.categories)
        self.render_settings.add(spec.render.model_dump_json())
        self.cameras.add(spec.camera.model_dump_json())
        self.lights.add(spec.light.model_dump_json())
        self.devices.add(render.device)
        self.blender_versions.add(render.blender_version)
        self.comco_versions.add(render.comco_version)
        self.library_sha256.add(render.asset_library_sha256)
        if spec.attributes is not None:
            self.attribute_setups.add(spec.attributes.model_dump_json())
            self.splits[spec.split or "-"] += 1
        if annotation.captions.binding is not None:
            self.caption_knobs.add(annotation.captions.binding.knobs.model_dump_json())
        if spec.relations is not None:
            self.relation_setups.add(spec.relations.model_dump_json())
        if annotation.captions.counting is not None:
            self.counts[annotation.captions.counting.count] += 1
