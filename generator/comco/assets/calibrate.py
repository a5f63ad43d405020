"""How much of its bounding box each asset fills on screen, measured from the default camera.

The sampler places objects with a conservative box (see `comco.geometry`), which says nothing
about shape: a standing knife fills a tenth of its box, a microwave most of it. The sampler
multiplies box areas by these fills to predict visible areas, so a "large" knife is placed
where it will really out-show the small objects instead of being rejected after rendering.
The fills are data (`comco/data/asset_fill.yaml`), measured once per library by
`comco assets calibrate` and committed, so sampling stays pure Python and byte-reproducible.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import trimesh
import yaml

from comco import geometry
from comco.assets.glb import read_glb
from comco.assets.library import LibraryManifest
from comco.catalog import ASSET_FILL_FILE
from comco.render.silhouette import silhouette, world_vertices
from comco.spec import Camera

FILL_PATH = Path(__file__).resolve().parents[1] / "data" / ASSET_FILL_FILE
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
    corners = geometry.bounding_box_corners(*position, 1.0)
    pixels, _ = geometry.project(corners, camera.matrix_world, camera.intrinsics)
    x0, y0, x1, y1 = geometry.projected_box(pixels)
    return float(mask.sum()) / ((x1 - x0) * (y1 - y0))


def measure_fills(library_dir: Path, manifest: LibraryManifest) -> dict[str, float]:
    """The box fill of every asset in a built library, rounded to 3 decimals."""
    return {
        category: round(box_fill(read_glb(library_dir / record.file)), 3)
        for category, record in sorted(manifest.assets.items())
    }


def write_fills(fills: dict[str, float], manifest: LibraryManifest, out: Path) -> None:
    """Write the fills with a header naming the library they were measured on."""
    header = (
        "# Share of its conservative bounding box each asset fills on screen (default camera,\n"
        "# scale 1, yaw 0). Written by `comco assets calibrate`; read by the sampler.\n"
        f"# Measured on asset library {manifest.library_sha256[:16]}.\n"
    )
    temporary = out.with_name(out.name + ".tmp")
    temporary.write_text(header + yaml.safe_dump(fills, sort_keys=True))
    temporary.replace(out)
