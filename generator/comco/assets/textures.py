"""Texture loading shared by the converters."""

from __future__ import annotations

from pathlib import Path

import trimesh
from PIL import Image


def textured_material(
    image_path: Path, name: str, use_alpha: bool = True
) -> trimesh.visual.material.PBRMaterial:
    """A PBR material whose base colour is the image (DDS, PNG, JPEG, SGI: whatever Pillow
    reads). With `use_alpha`, alpha is kept as a mask so cut-out leaves stay cut out; 0 A.D.
    uses the alpha channel for player colour instead, so it passes False."""
    image = Image.open(image_path)
    image.load()
    has_alpha = use_alpha and (image.mode in ("RGBA", "LA") or "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    return trimesh.visual.material.PBRMaterial(
        name=name,
        baseColorTexture=image,
        alphaMode="MASK" if has_alpha else "OPAQUE",
        alphaCutoff=0.5 if has_alpha else None,
        metallicFactor=0.0,
        roughnessFactor=0.8,
        doubleSided=has_alpha,
    )


def colour_material(
    rgba: tuple[float, float, float, float], name: str
) -> trimesh.visual.material.PBRMaterial:
    """A plain PBR material of one colour (components 0..1)."""
    return trimesh.visual.material.PBRMaterial(
        name=name,
        baseColorFactor=[round(c * 255) for c in rgba],
        alphaMode="BLEND" if rgba[3] < 1 else "OPAQUE",
        metallicFactor=0.0,
        roughnessFactor=0.7,
    )
