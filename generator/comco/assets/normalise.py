"""Put a category's meshes into the library's canonical pose: Z-up, front facing -Y, centred
on the z axis, resting on z=0, largest dimension exactly 1 m."""

from __future__ import annotations

import numpy as np
import trimesh
from trimesh.transformations import euler_matrix, rotation_matrix


def orientation(rotate_deg: tuple[float, float, float], yaw_deg: float) -> np.ndarray:
    """The 4x4 rotation of the catalog's fix (XYZ Euler) followed by its yaw about z."""
    fix = euler_matrix(*np.radians(rotate_deg), axes="sxyz")
    return rotation_matrix(np.radians(yaw_deg), [0, 0, 1]) @ fix


def normalise(
    meshes: list[trimesh.Trimesh],
    rotate_deg: tuple[float, float, float] = (0.0, 0.0, 0.0),
    yaw_deg: float = 0.0,
) -> list[trimesh.Trimesh]:
    """Rotated, centred, grounded and scaled copies of `meshes` (taken as one object)."""
    turned = [m.copy().apply_transform(orientation(rotate_deg, yaw_deg)) for m in meshes]
    lo = np.min([m.bounds[0] for m in turned], axis=0)
    hi = np.max([m.bounds[1] for m in turned], axis=0)
    size = float(np.max(hi - lo))
    if not np.isfinite(size) or size <= 0:
        raise ValueError(f"normalise: degenerate bounds {lo} .. {hi}")
    centre = (lo + hi) / 2
    move = np.eye(4)
    move[:3, 3] = [-centre[0], -centre[1], -lo[2]]
    scale = np.diag([1 / size, 1 / size, 1 / size, 1.0])
    return [m.apply_transform(scale @ move) for m in turned]


def bounds(meshes: list[trimesh.Trimesh]) -> np.ndarray:
    """(2, 3) min and max corner over all meshes."""
    return np.array(
        [
            np.min([m.bounds[0] for m in meshes], axis=0),
            np.max([m.bounds[1] for m in meshes], axis=0),
        ]
    )
