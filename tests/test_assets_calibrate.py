import trimesh

from comco.assets.calibrate import box_fill


def _standing(extents: tuple[float, float, float]) -> trimesh.Trimesh:
    """A box resting on z=0, centred on the z axis (the normalised-asset convention)."""
    box = trimesh.creation.box(extents=extents)
    box.apply_translation((0.0, 0.0, extents[2] / 2))
    return box


def test_a_thin_rod_fills_less_of_its_box_than_a_cube():
    cube = box_fill([_standing((1.0, 1.0, 1.0))])
    rod = box_fill([_standing((0.05, 0.05, 1.0))])
    assert 0.3 < cube <= 1.0
    assert rod < cube / 5


def test_fill_does_not_depend_on_how_a_mesh_is_split():
    whole = box_fill([_standing((1.0, 0.4, 0.6))])
    left = _standing((0.5, 0.4, 0.6))
    left.apply_translation((-0.25, 0.0, 0.0))
    right = _standing((0.5, 0.4, 0.6))
    right.apply_translation((0.25, 0.0, 0.0))
    assert abs(box_fill([left, right]) - whole) < 0.01
