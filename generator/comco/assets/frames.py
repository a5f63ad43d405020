"""Axis conventions. Sources are Y-up; the project is Z-up with the front facing -Y; glTF is
Y-up and Blender's importer maps glTF (x, y, z) to Blender (x, -z, y)."""

from __future__ import annotations

import numpy as np
import trimesh

# Y-up (front +Z) -> Z-up (front -Y): (x, y, z) -> (x, -z, y)
Y_UP_TO_Z_UP = np.array([[1, 0, 0, 0], [0, 0, -1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=float)
Z_UP_TO_GLTF = np.linalg.inv(Y_UP_TO_Z_UP)

# mirror X: left-handed sources (0 A.D., Irrlicht) -> right-handed
MIRROR_X = np.diag([-1.0, 1.0, 1.0, 1.0])


def y_up_to_z_up(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    """Return the mesh turned from a Y-up to the project's Z-up frame."""
    return mesh.copy().apply_transform(Y_UP_TO_Z_UP)
