"""Writing Blender properties without needless Cycles updates."""

from __future__ import annotations

import bpy
import numpy as np


def assign(owner: bpy.types.bpy_struct, name: str, value: object) -> None:
    """Set a numeric property only when its (float32) value changes: every write tags its
    datablock for Cycles to sync again, changed or not, and most of a scene (world, floor,
    sun, camera, settings) is the same from one spec to the next."""
    current = np.asarray(getattr(owner, name), dtype=np.float32)
    if not np.array_equal(current, np.asarray(value, dtype=np.float32)):
        setattr(owner, name, value)
