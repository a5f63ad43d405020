"""comco.annotate.measure on synthetic instance images whose answers are known by construction."""

from __future__ import annotations

import numpy as np
import pytest
from pycocotools import mask as mask_utils

from comco.annotate.annotation import RenderInfo, RleMask, build_annotation
from comco.annotate.measure import (
    QualityGates,
    bbox_xywh,
    channel_spread,
    image_problems,
    measure,
    quality_problems,
    size_ranks,
)
from comco.captions.plain import caption_style
from comco.core.spec import ObjectSpec, SceneSpec


def _scene() -> SceneSpec:
    return SceneSpec(
        id="synthetic",
        seed=0,
        objects=[
            ObjectSpec(category="horse", size_role="large", scale=2.4, position=(0.0, 1.0)),
            ObjectSpec(category="cup", size_role="small", scale=0.75, position=(-1.3, -0.9)),
        ],
    )


def _images() -> tuple[np.ndarray, np.ndarray]:
    """Object 1 is a 10x20 block; object 2 a 6x6 block in front of its corner (3x3 overlap)."""
    index = np.zeros((40, 50), dtype=np.uint16)
    alone = np.zeros((2, 40, 50), dtype=bool)
    alone[0, 5:15, 10:30] = True
    alone[1, 12:18, 27:33] = True
    index[alone[0]] = 1
    index[alone[1]] = 2  # drawn last: in front
    return index, alone


def test_measure_areas_boxes_and_occlusion() -> None:
    index, alone = _images()
    first, second = measure(index, alone)
    assert first.visible_area_px == 200 - 9
    assert first.unoccluded_area_px == 200
    assert first.occlusion == pytest.approx(9 / 200)
    assert first.bbox_xywh == (10, 5, 20, 10)
    assert second.visible_area_px == 36 and second.occlusion == 0.0
    assert second.bbox_xywh == (27, 12, 6, 6)
    assert (first.size_rank, second.size_rank) == (1, 2)
    assert first.area_fraction == pytest.approx(191 / 2000)
    assert not first.touches_border


def test_silhouette_pixels_on_background_are_not_occlusion() -> None:
    index, alone = _images()
    alone[1, 18, 27:33] = True  # rasteriser edge noise: one extra row that shows floor
    assert measure(index, alone)[1].occlusion == 0.0


def test_hidden_object_is_fully_occluded() -> None:
    index, alone = _images()
    index[alone[1]] = 1
    alone[1] = alone[1] & alone[0]
    hidden = measure(index, alone)[1]
    assert hidden.visible_area_px == 0 and hidden.occlusion == 1.0


def test_rle_round_trips_through_pycocotools() -> None:
    index, _ = _images()
    mask = index == 1
    rle = RleMask.encode(mask)
    decoded = mask_utils.decode({"size": list(rle.size), "counts": rle.counts.encode()})
    assert rle.size == (40, 50)
    assert (decoded.astype(bool) == mask).all()
    assert (rle.decode() == mask).all()


def test_bbox_of_empty_mask_and_ranks_break_ties_by_index() -> None:
    assert bbox_xywh(np.zeros((4, 4), dtype=bool)) == (0, 0, 0, 0)
    assert size_ranks([5, 9, 5, 0]) == [2, 1, 3, 4]


def test_border_touch() -> None:
    index = np.zeros((10, 10), dtype=np.uint16)
    index[0:3, 4:6] = 1
    assert measure(index, index[None] == 1)[0].touches_border


def test_gates_pass_a_good_scene_and_name_each_problem() -> None:
    spec = _scene()
    index, alone = _images()
    measures = measure(index, alone)
    inside = np.array([[10.0, 5.0, 30.0, 15.0], [27.0, 12.0, 33.0, 18.0]])
    assert quality_problems(spec, measures, inside, QualityGates(min_visible_px=10)) == []
    problems = quality_problems(spec, measures, inside, QualityGates(min_visible_px=40))
    assert len(problems) == 1 and "objects[1] (cup): visible area 36px" in problems[0]
    cut = inside.copy()
    cut[1, 2] = spec.camera.width + 3.0
    assert (
        "cut by the frame"
        in quality_problems(spec, measures, cut, QualityGates(min_visible_px=10))[0]
    )
    problems = quality_problems(
        spec, measures, inside, QualityGates(min_visible_px=10, large_factor=6)
    )
    assert len(problems) == 1 and "large object shows 191px" in problems[0]


def test_the_annotation_carries_spec_measures_and_decodable_masks() -> None:
    spec = _scene()
    index, alone = _images()
    render = RenderInfo(
        device="CPU", seconds=1.0, samples=1, denoise=False,
        blender_version="5.0.1", comco_version="0", asset_library_sha256="0",
    )  # fmt: skip
    annotation = build_annotation(
        spec, measure(index, alone), image="x.png", render=render, style=caption_style("bare")
    )
    records = annotation.objects
    assert [r.category for r in records] == ["horse", "cup"]
    assert records[0].position == (0.0, 1.0, 0.0) and records[0].scale == 2.4
    assert [r.size_rank for r in records] == [1, 2] and records[1].visible_area_px == 36
    assert all((r.mask.decode() == (index == i + 1)).all() for i, r in enumerate(records))
    assert annotation.captions.orders[0].text == "horse and cup"


def test_min_visible_area_scales_with_the_image_unless_fixed() -> None:
    assert QualityGates().min_pixels(224, 224) == 30
    assert QualityGates().min_pixels(448, 448) == 120
    assert QualityGates().min_pixels(1024, 1024) == 627
    assert QualityGates().min_pixels(16, 16) == 1
    assert QualityGates(min_visible_px=30).min_pixels(1024, 1024) == 30
    spec = _scene()  # 512x512: the scaled minimum is 157 px, above the cup's 36
    index, alone = _images()
    inside = np.array([[10.0, 5.0, 30.0, 15.0], [27.0, 12.0, 33.0, 18.0]])
    (problem,) = quality_problems(spec, measure(index, alone), inside, QualityGates())
    assert "visible area 36px is below the minimum 157px for a 512x512 image" in problem


def test_a_nearly_uniform_image_is_rejected_by_the_gate() -> None:
    rng = np.random.default_rng(0)
    blown_out = np.full((64, 64, 3), 255, dtype=np.uint8)
    blown_out[:2, :5] = 250  # a few pixels under the 1st percentile do not make contrast
    assert channel_spread(blown_out) == 0
    (problem,) = image_problems(blown_out)
    assert problem.startswith("image: nearly uniform (every channel spans 0 levels")
    faint = np.full((64, 64, 3), 128, dtype=np.uint8)
    faint[..., 2] = rng.integers(120, 127, size=(64, 64))  # 6 levels of noise in blue only
    assert channel_spread(faint) == 6 and image_problems(faint)
    pale = np.full((64, 64, 3), 140, dtype=np.uint8)
    pale[20:40, 20:40] = (170, 200, 140)  # a pale object on grey: 60 levels in green
    assert channel_spread(pale) == 60
    assert image_problems(pale) == []
