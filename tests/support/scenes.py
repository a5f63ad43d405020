"""Small scene sets the tests render with `support.fake_render`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from comco.core.attributes import AttributeSetup
from comco.core.catalog import load_vocabulary
from comco.core.knobs import CaptionKnobs
from comco.core.spec import Camera, ObjectSpec, SceneSpec
from comco.sampling.sampler import SamplerConfig, sample_scenes
from support.fake_render import fake_rendered_dataset

SIZE = 64
LAYOUTS = {
    "1L3S": [("large", 2.4, (0.0, 1.0)), ("small", 0.75, (-1.3, -0.9)),
             ("small", 0.75, (0.0, -1.5)), ("small", 0.75, (1.3, -0.9))],
    "1L2S": [("large", 2.4, (0.0, 1.0)), ("small", 0.75, (-1.3, -0.9)),
             ("small", 0.75, (1.3, -0.9))],
    "same3": [("same", 0.9, (-1.6, 0.0)), ("same", 0.9, (0.0, 0.0)), ("same", 0.9, (1.6, 0.0))],
}  # fmt: skip
POOL = load_vocabulary().presets["comco72"][:12]


def make_spec(index: int, layout: str, categories: list[str]) -> SceneSpec:
    objects = [
        ObjectSpec(category=c, size_role=role, scale=scale, position=position)
        for c, (role, scale, position) in zip(categories, LAYOUTS[layout], strict=False)
    ]
    camera = Camera(width=SIZE, height=SIZE)
    return SceneSpec(id=f"img{index:04d}", seed=index, objects=objects, camera=camera,
                     frame_margin_px=0.5)  # fmt: skip


def eval_specs(n_images: int, seed: int = 0) -> list[SceneSpec]:
    """Scenes of the three layouts in turn, each of distinct categories from POOL."""
    rng = np.random.default_rng(seed)
    specs = []
    for index in range(n_images):
        layout = list(LAYOUTS)[index % len(LAYOUTS)]
        categories = [str(c) for c in rng.choice(POOL, size=len(LAYOUTS[layout]), replace=False)]
        specs.append(make_spec(index, layout, categories))
    return specs


def eval_dataset(root: Path, n_images: int = 6, seed: int = 0) -> Path:
    """A rendered folder of `eval_specs` with a gallery image for every POOL category."""
    return fake_rendered_dataset(root, eval_specs(n_images, seed), list(POOL))


SMALL, LARGE = 0.75, 2.4
LEFT, RIGHT, BACK = (-1.3, -0.9), (1.3, -0.9), (0.0, 1.0)
# (id, vocab, [(category, role, scale, position)], line in the specs file: picks the shard)
EXPORT_SCENES = [
    ("pair-a", "comco72", [("car", "same", SMALL, LEFT), ("apple", "same", SMALL, RIGHT)], 0),
    ("pair-b", "comco72", [("cat", "same", SMALL, LEFT), ("cup", "same", SMALL, RIGHT)], 1),
    ("big-a", "comco72", [("bus", "large", LARGE, BACK), ("cat", "small", SMALL, LEFT),
                          ("cup", "small", SMALL, RIGHT)], 2),
    ("big-b", "comco72", [("car", "small", SMALL, LEFT), ("apple", "small", SMALL, RIGHT),
                          ("bus", "large", LARGE, BACK)], 1000),
    ("shape-a", "simco18", [("cube", "same", SMALL, LEFT), ("sphere", "same", SMALL, RIGHT)], 1001),
]  # fmt: skip
EXPORT_GALLERY = ["apple", "bus", "car"]
EXPORT_CONFIGS = {
    "comco_2obj_same": {"pair-a", "pair-b"},
    "comco_3obj_one_large": {"big-a", "big-b"},
    "simco_2obj_same": {"shape-a"},
}


def export_dataset_folder(root: Path) -> Path:
    """Three configurations over two shards, and a three-category gallery."""
    specs = [
        SceneSpec(
            id=scene_id,
            seed=sum(map(ord, scene_id)),
            vocab=vocab,
            objects=[
                ObjectSpec(category=c, size_role=r, scale=s, position=p) for c, r, s, p in objects
            ],
            camera=Camera(width=SIZE, height=SIZE),
        )
        for scene_id, vocab, objects, _ in EXPORT_SCENES
    ]
    lines = [line for *_, line in EXPORT_SCENES]
    return fake_rendered_dataset(root, specs, EXPORT_GALLERY, lines=lines)


def binding_dataset(root: Path, n: int, objects: int = 3, large: int = 0) -> Path:
    """Coloured simco18 scenes with held-out pairs, written as the renderer writes them."""
    config = SamplerConfig(
        vocab="simco18", objects=objects, large=large, seed=0,
        camera=Camera(width=96, height=96),
        attributes=AttributeSetup(palette="clevr8", kinds=["color"], distinct=True,
                                  holdout_fraction=0.1, holdout_seed=0),
    )  # fmt: skip
    specs = list(sample_scenes(config, n))
    return fake_rendered_dataset(root, specs, [], drop_rejected=True)


KNOBS = CaptionKnobs(attribute_density=0.5, completeness=0.5, order="saliency")


def knob_dataset(root: Path, n: int, gallery: list[str] | None = None) -> Path:
    """Four coloured simco18 objects a scene, captioned under KNOBS (two of four objects
    named, largest first, each coloured with probability 0.5)."""
    config = SamplerConfig(
        vocab="simco18", objects=4, seed=0, camera=Camera(width=96, height=96),
        attributes=AttributeSetup(palette="clevr8", kinds=["color"], distinct=True),
        caption_knobs=KNOBS,
    )  # fmt: skip
    specs = list(sample_scenes(config, n))
    return fake_rendered_dataset(root, specs, gallery or [], drop_rejected=True)
