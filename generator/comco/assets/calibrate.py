"""Each asset's shape as placement needs it: its extents, and how much of its unit box it
fills on screen from the default camera.

Extents give tight footprints and frame checks (a bus is long and low, a giraffe thin and
tall). Fills say how much an object really shows: a standing knife covers a few percent of
its box, a microwave most of it, so the sampler multiplies box areas by fills to predict
visible areas and gives the large role to objects that can out-show the small ones. Both are
data (`comco/data/asset_shapes.yaml`), measured once per library by `comco assets calibrate`
and committed, so sampling stays pure Python and byte-reproducible.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh
import yaml

from comco.annotate.silhouette import silhouette, world_vertices
from comco.assets.glb import read_glb
from comco.assets.library import LibraryManifest
from comco.core.catalog import ASSET_SHAPES_FILE, AssetShape
from comco.core.spec import Camera, screen_area
from comco.io.atomic import write_atomic

SHAPES_PATH = Path(__file__).resolve().parents[1] / "data" / ASSET_SHAPES_FILE
CALIBRATION_CAMERA = Camera(width=256, height=256)


def box_fill(meshes: list[trimesh.Trimesh], camera: Camera = CALIBRATION_CAMERA) -> float:
    """Silhouette pixels over conservative-box pixels, for the asset at scale 1, yaw 0, under
    the camera's aim."""
    mesh = trimesh.util.concatenate(meshes)
    position = (camera.look_at[0], camera.look_at[1])
    world = world_vertices(np.asarray(mesh.vertices), position, 1.0, 0.0)
    mask, _ = silhouette(
        world,
        np.asarray(mesh.faces),
        camera.matrix_world,
        camera.intrinsics,
        camera.width,
        camera.height,
    )
    return float(mask.sum()) / screen_area(*position, 1.0, camera)


def measure_shapes(library_dir: Path, manifest: LibraryManifest) -> dict[str, AssetShape]:
    """Extents and box fill of every asset in a built library, rounded to 3 decimals."""
    shapes = {}
    for category, record in sorted(manifest.assets.items()):
        meshes = read_glb(library_dir / record.file)
        low, high = trimesh.util.concatenate(meshes).bounds
        extents = tuple(round(float(v), 3) for v in high - low)
        shapes[category] = AssetShape(extents=extents, fill=round(box_fill(meshes), 3))
    return shapes


def write_shapes(shapes: dict[str, AssetShape], manifest: LibraryManifest, out: Path) -> None:
    """Write the shapes with a header naming the library they were measured on."""
    header = (
        "# Each asset's extents (x, y, z; the largest is 1) and the share of its unit box it\n"
        "# fills on screen (default camera, scale 1, yaw 0). Written by `comco assets\n"
        f"# calibrate` on asset library {manifest.library_sha256[:16]}; read by placement.\n"
    )
    data = {c: {"extents": list(s.extents), "fill": s.fill} for c, s in shapes.items()}
    write_atomic(out, header + yaml.safe_dump(data, sort_keys=True, default_flow_style=None))
