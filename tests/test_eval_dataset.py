"""A small rendered-dataset folder in the renderer's format, and tests of reading it.

Images are drawn with Pillow (each object a filled box where its bounds project), masks and
size ranks are measured from the drawn pixels, and annotations are real ImageAnnotation
objects built from validated SceneSpecs, so the evaluator reads exactly what the renderer
writes.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_utils

from comco import geometry
from comco.annotations import (
    CameraAnnotation,
    ImageAnnotation,
    ObjectAnnotation,
    RenderInfo,
    RleMask,
)
from comco.captions import caption_set, caption_style
from comco.catalog import load_vocabulary
from comco.eval.dataset import load_dataset
from comco.spec import Camera, ObjectSpec, SceneSpec

SIZE = 64
LAYOUTS = {
    "1L3S": [("large", 2.4, (0.0, 1.0)), ("small", 0.75, (-1.3, -0.9)),
             ("small", 0.75, (0.0, -1.5)), ("small", 0.75, (1.3, -0.9))],
    "1L2S": [("large", 2.4, (0.0, 1.0)), ("small", 0.75, (-1.3, -0.9)),
             ("small", 0.75, (1.3, -0.9))],
    "same3": [("same", 0.9, (-1.6, 0.0)), ("same", 0.9, (0.0, 0.0)), ("same", 0.9, (1.6, 0.0))],
}  # fmt: skip


def _color(category: str) -> tuple[int, int, int]:
    value = zlib.crc32(category.encode())
    return (value & 255, (value >> 8) & 255, (value >> 16) & 255)


def _draw(spec: SceneSpec, only: int | None = None) -> tuple[Image.Image, np.ndarray]:
    """The picture and its instance-index map (0 = background, i+1 = object i)."""
    camera = spec.camera
    image = np.full((camera.height, camera.width, 3), 200, np.uint8)
    instances = np.zeros((camera.height, camera.width), np.int32)
    order = sorted(range(len(spec.objects)), key=lambda i: -spec.objects[i].position[1])
    for i in order:  # far (large y) first, near objects cover them
        if only is not None and i != only:
            continue
        obj = spec.objects[i]
        corners = geometry.bounding_box_corners(*obj.position, obj.scale)
        px, _ = geometry.project(corners, camera.matrix_world, camera.intrinsics)
        x0, y0, x1, y1 = (round(v) for v in geometry.projected_box(px))
        image[y0:y1, x0:x1] = _color(obj.category)
        instances[y0:y1, x0:x1] = i + 1
    return Image.fromarray(image), instances


def make_annotation(spec: SceneSpec) -> tuple[ImageAnnotation, Image.Image]:
    picture, instances = _draw(spec)
    areas = [int((instances == i + 1).sum()) for i in range(len(spec.objects))]
    ranks = {i: r for r, i in enumerate(sorted(range(len(areas)), key=lambda i: -areas[i]), 1)}
    objects = []
    for i, obj in enumerate(spec.objects):
        mask = np.asfortranarray((instances == i + 1).astype(np.uint8))
        rle = mask_utils.encode(mask)
        alone = int((_draw(spec, only=i)[1] > 0).sum())
        ys, xs = np.nonzero(mask)
        objects.append(
            ObjectAnnotation(
                index=i,
                category=obj.category,
                size_role=obj.size_role,
                position=(*obj.position, 0.0),
                scale=obj.scale,
                yaw_deg=obj.yaw_deg,
                bbox_xywh=(int(xs.min()), int(ys.min()), int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1),
                visible_area_px=areas[i],
                area_fraction=areas[i] / mask.size,
                unoccluded_area_px=alone,
                occlusion=1 - areas[i] / alone,
                size_rank=ranks[i],
                mask=RleMask(size=tuple(rle["size"]), counts=rle["counts"].decode("ascii")),
                touches_border=False,
            )
        )
    annotation = ImageAnnotation(
        id=spec.id,
        image=f"{spec.id}.png",
        width=spec.camera.width,
        height=spec.camera.height,
        spec=spec,
        objects=objects,
        captions=caption_set(spec, caption_style("articles")),
        camera=CameraAnnotation(
            intrinsics=spec.camera.intrinsics.tolist(),
            camera_to_world=spec.camera.matrix_world.tolist(),
        ),
        render=RenderInfo(
            device="CPU", seconds=0.0, samples=1, denoise=False, blender_version="none",
            comco_version="test", asset_library_sha256="0" * 64,
        ),
    )  # fmt: skip
    return annotation, picture


def make_spec(index: int, layout: str, categories: list[str]) -> SceneSpec:
    objects = [
        ObjectSpec(category=c, size_role=role, scale=scale, position=position)
        for c, (role, scale, position) in zip(categories, LAYOUTS[layout], strict=False)
    ]
    camera = Camera(width=SIZE, height=SIZE)
    return SceneSpec(id=f"img{index:04d}", seed=index, objects=objects, camera=camera,
                     frame_margin_px=0.5)  # fmt: skip


def make_dataset(root: Path, n_images: int = 6, seed: int = 0) -> Path:
    """images/00000/*.png|json (layouts in turn) and gallery/<category>.png for 12 categories."""
    pool = load_vocabulary().presets["comco72"][:12]
    rng = np.random.default_rng(seed)
    shard = root / "images" / "00000"
    shard.mkdir(parents=True)
    for index in range(n_images):
        layout = list(LAYOUTS)[index % len(LAYOUTS)]
        categories = [str(c) for c in rng.choice(pool, size=len(LAYOUTS[layout]), replace=False)]
        annotation, picture = make_annotation(make_spec(index, layout, categories))
        picture.save(shard / annotation.image)
        (shard / f"{annotation.id}.json").write_text(annotation.model_dump_json())
    (root / "gallery").mkdir()
    for category in pool:
        Image.new("RGB", (SIZE, SIZE), _color(category)).save(root / "gallery" / f"{category}.png")
    return root


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_dataset(tmp_path_factory.mktemp("comco") / "renders")


def test_reads_images_gallery_and_orders(dataset_dir: Path) -> None:
    dataset = load_dataset(dataset_dir)
    assert len(dataset.records) == 6
    assert len(dataset.gallery) == 12
    first = dataset.records[0]
    assert first.image_path.is_file()
    assert len(first.annotation.captions.orders) == 24  # 4! orders of four distinct objects
    assert {o.size_rank for o in first.annotation.objects} == {1, 2, 3, 4}


def test_large_object_is_measured_largest(dataset_dir: Path) -> None:
    for record in load_dataset(dataset_dir).records:
        for obj in record.annotation.objects:
            if obj.size_role == "large":
                assert obj.size_rank == 1


def test_limit_and_unfinished_images(dataset_dir: Path, tmp_path: Path) -> None:
    assert len(load_dataset(dataset_dir, limit=2).records) == 2
    (dataset_dir / "images" / "00000" / "unfinished.png").write_bytes(b"")  # PNG without JSON
    assert len(load_dataset(dataset_dir).records) == 6
    (dataset_dir / "images" / "00000" / "unfinished.png").unlink()


def test_missing_images_folder_names_the_layout(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="images/<shard>"):
        load_dataset(tmp_path)


def test_bad_annotation_names_file_and_field(tmp_path: Path) -> None:
    shard = tmp_path / "images" / "00000"
    shard.mkdir(parents=True)
    (shard / "x.json").write_text('{"id": "x"}')
    with pytest.raises(ValueError, match=r"x\.json: .*width"):
        load_dataset(tmp_path)


def test_gallery_for_names_missing_categories(dataset_dir: Path) -> None:
    dataset = load_dataset(dataset_dir)
    with pytest.raises(FileNotFoundError, match="zebra"):
        dataset.gallery_for(["zebra"])
