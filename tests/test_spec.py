import numpy as np
import pytest
from pydantic import ValidationError

from comco.core import geometry
from comco.core.spec import Camera, ObjectSpec, SceneSpec, largest_fitting_scale, placement_problems


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
