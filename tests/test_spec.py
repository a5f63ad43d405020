from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from comco.core import geometry
from comco.core.spec import Camera, ObjectSpec, SceneSpec, largest_fitting_scale, placement_problems
from comco.core.spec_files import SpecFileError, read_specs


def _scene(*objects: ObjectSpec, **kwargs) -> SceneSpec:
    return SceneSpec(id="s", seed=0, objects=list(objects), **kwargs)


def _obj(category: str, x: float, y: float, scale: float = 1.0, role: str = "same") -> ObjectSpec:
    return ObjectSpec(category=category, size_role=role, scale=scale, position=(x, y))


def test_round_trip_through_json_is_exact(one_large_scene):
    text = one_large_scene.model_dump_json()
    assert SceneSpec.model_validate_json(text).model_dump_json() == text


def test_repeated_category_names_both_objects():
    with pytest.raises(ValidationError, match=r"objects\[1\].category: 'dog' repeats objects\[0\]"):
        _scene(_obj("dog", -1.5, 0), _obj("dog", 1.5, 0))


def test_repeats_are_allowed_when_asked():
    scene = _scene(_obj("dog", -1.5, 0), _obj("dog", 1.5, 0), allow_repeats=True)
    assert scene.categories == ["dog", "dog"]


def test_unknown_category_suggests_a_name():
    with pytest.raises(ValidationError, match="did you mean horse"):
        _scene(_obj("hors", 0, 0))


def test_category_outside_the_preset_is_rejected():
    with pytest.raises(ValidationError, match="not in preset 'comco72'"):
        _scene(_obj("cube", 0, 0))


def test_overlap_is_rejected_with_distances():
    with pytest.raises(ValidationError, match=r"objects\[1\].position: overlaps objects\[0\]"):
        _scene(_obj("dog", 0, 0), _obj("cat", 0.5, 0))


def test_object_outside_the_frame_is_rejected():
    with pytest.raises(ValidationError, match="not fully inside the frame"):
        _scene(_obj("dog", 9.0, 0))


@pytest.mark.parametrize("scale", [0.0, -1.0])
def test_non_positive_scale_is_rejected(scale):
    with pytest.raises(ValidationError, match="scale"):
        _obj("dog", 0, 0, scale=scale)


def test_same_cannot_mix_with_large():
    with pytest.raises(ValidationError, match="mixes 'same'"):
        _scene(_obj("dog", -1.5, 0, 1.0, "same"), _obj("cat", 1.5, 0, 1.0, "large"))


def test_large_must_be_bigger_than_small():
    with pytest.raises(ValidationError, match="not above the small objects"):
        _scene(_obj("dog", -1.5, 0, 0.8, "large"), _obj("cat", 1.5, 0, 0.9, "small"))


def test_projection_puts_the_look_at_point_in_the_image_centre():
    camera = Camera()
    pixels, depth = geometry.project(
        np.array([camera.look_at]), camera.matrix_world, camera.intrinsics
    )
    assert np.allclose(pixels[0], [camera.width / 2, camera.height / 2])
    assert depth[0] > 0


def test_ground_point_inverts_projection():
    camera = Camera()
    point = geometry.ground_point_at_pixel(100.0, 400.0, camera.matrix_world, camera.intrinsics)
    pixels, _ = geometry.project(point[None], camera.matrix_world, camera.intrinsics)
    assert np.allclose(pixels[0], [100.0, 400.0])
    assert abs(point[2]) < 1e-9


def test_largest_fitting_scale_is_the_frame_limit():
    camera = Camera()
    scale = largest_fitting_scale((0.0, 0.3), camera, 4.0)
    cube = (1.0, 1.0, 1.0)
    assert not placement_problems([(0.0, 0.3, scale, cube)], camera, 4.0, 0.0)
    assert placement_problems([(0.0, 0.3, scale + 0.01, cube)], camera, 4.0, 0.0)
    bus = (1.0, 0.69, 0.275)  # long and low: fits larger than the unit cube
    assert largest_fitting_scale((0.0, 0.3), camera, 4.0, bus) > scale


RECORDED = sorted(Path(__file__).parent.joinpath("data").glob("*.jsonl"))


@pytest.mark.parametrize(
    ("edit", "field", "shown"),
    [
        (lambda s: s.replace('"id":"', '"id":"' + "a" * 240), "id", "at most 128 characters"),
        (lambda s: s.replace('"id":"', '"id":"a.'), "id", "should match pattern"),
        (lambda s: s.replace('"sun_strength":3.0', '"sun_strength":1e30'),
         "light.sun_strength", "(got 1e+30)"),
        (lambda s: s.replace('"sky_strength":0.8', '"sky_strength":Infinity'),
         "light.sky_strength", "finite number (got inf)"),
        (lambda s: s.replace('"location":[0.0,-6.5,4.5]', '"location":[0.0,-6.5,NaN]'),
         "camera.location.2", "finite number (got nan)"),
        (lambda s: s.replace('"scale":0.7572', '"scale":1e9'),
         "objects.0.scale", "less than or equal to 100"),
        (lambda s: s.replace('"floor_color":[0.55', '"floor_color":[-0.55'),
         "background.floor_color.0", "(got -0.55)"),
    ],
)  # fmt: skip
def test_hostile_numbers_and_ids_fail_with_one_line(tmp_path: Path, edit, field, shown) -> None:
    line = RECORDED[0].read_text().splitlines()[0]
    bad = edit(line)
    assert bad != line
    path = tmp_path / "specs.jsonl"
    path.write_text(bad + "\n")
    with pytest.raises(SpecFileError) as caught:
        list(read_specs(path))
    message = str(caught.value)
    assert "\n" not in message and f": invalid scene spec: {field}: " in message
    assert shown in message


def test_recorded_specs_stay_valid_and_byte_identical() -> None:
    for path in RECORDED:
        for line in path.read_text().splitlines():
            assert SceneSpec.model_validate_json(line).model_dump_json() == line
