import pytest
import trimesh

from comco.assets.calibrate import box_fill, measure_shapes
from comco.assets.library import default_library_dir, load_manifest
from comco.core.catalog import load_asset_shapes

LIBRARY = default_library_dir().resolve()


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


@pytest.mark.library
@pytest.mark.skipif(not (LIBRARY / "manifest.json").is_file(), reason="library not built")
def test_committed_shapes_match_the_built_library():
    # placement trusts asset_shapes.yaml; a catalog change without `comco assets calibrate`
    # would leave it describing other meshes
    manifest = load_manifest(LIBRARY)
    measured = measure_shapes(LIBRARY, manifest)
    committed = load_asset_shapes()
    for category, shape in measured.items():
        assert category in committed, f"{category}: run `comco assets calibrate`"
        assert committed[category].extents == pytest.approx(shape.extents, abs=0.002)
        assert committed[category].fill == pytest.approx(shape.fill, abs=0.002)
