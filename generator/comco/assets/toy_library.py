"""A toy asset library of four primitive shapes (trimesh), built in seconds by `comco assets
toy`: for trying the pipeline, for tests and for benchmarks before the real library is built.
`comco render` never builds it by itself."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import trimesh

import comco
from comco.assets.library import MANIFEST_NAME, AssetRecord, LibraryManifest
from comco.core.spec import Camera, ObjectSpec, RenderSettings, SceneSpec, SizeRole
from comco.io.atomic import write_atomic

SHAPES: dict[str, Callable[[], trimesh.Trimesh]] = {
    "cube": lambda: trimesh.creation.box((1.0, 1.0, 1.0)),
    "sphere": lambda: trimesh.creation.icosphere(subdivisions=3),
    "cylinder": lambda: trimesh.creation.cylinder(radius=0.5, height=1.0, sections=48),
    "cone": lambda: trimesh.creation.cone(radius=0.5, height=1.0, sections=48),
}

# glTF is Y-up; Blender's importer turns glTF (x, y, z) into (x, -z, y), so rotate Z-up meshes
# by -90 degrees about X before export to get them back Z-up in Blender.
_Z_UP_TO_GLTF = trimesh.transformations.rotation_matrix(-np.pi / 2, (1, 0, 0))


def _normalised(mesh: trimesh.Trimesh) -> trimesh.Trimesh:
    lo, hi = mesh.bounds
    mesh.apply_translation((-(lo[0] + hi[0]) / 2, -(lo[1] + hi[1]) / 2, -lo[2]))
    mesh.apply_scale(1.0 / float((hi - lo).max()))
    return mesh


def build_toy_library(folder: Path, categories: list[str] | None = None) -> LibraryManifest:
    """Write one grey normalised GLB per shape and a manifest; return the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    assets = {}
    for category in categories or list(SHAPES):
        mesh = _normalised(SHAPES[category]())
        dims = tuple(float(v) for v in mesh.extents)
        mesh.apply_transform(_Z_UP_TO_GLTF)
        path = folder / f"{category}.glb"
        path.write_bytes(mesh.export(file_type="glb"))
        assets[category] = AssetRecord(
            category=category,
            file=path.name,
            source="procedural",
            source_version="toy",
            member="comco.assets.toy_library",
            licence="CC0-1.0",
            author="comco (toy library)",
            modelled_in_code=True,
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            faces=len(mesh.faces),
            dimensions_m=dims,
        )
    library_hash = hashlib.sha256(
        "".join(a.sha256 for _, a in sorted(assets.items())).encode()
    ).hexdigest()
    manifest = LibraryManifest(
        comco_version=comco.__version__, library_sha256=library_hash, assets=assets
    )
    write_atomic(folder / MANIFEST_NAME, manifest.model_dump_json(indent=2))
    return manifest


def toy_scene(index: int, size: int = 64, samples: int = 4) -> SceneSpec:
    """A valid SimCO scene of the four toy shapes: one large (red when `index` is even) behind
    three small ones; `index` rotates which shape is large and sets the seed."""
    names = list(SHAPES)
    order = names[index % 4 :] + names[: index % 4]
    red = (0.8, 0.05, 0.05) if index % 2 == 0 else None
    objects = [
        ObjectSpec(
            category=order[0],
            size_role=SizeRole.large,
            scale=2.0,
            position=(0.1 * (index % 3), 0.8),
            yaw_deg=float(10 * index % 90),
            color=red,
            color_name="red" if red else None,
        )
    ]
    for category, position in zip(
        order[1:], [(-1.8, -0.8), (1.6, -0.9), (-0.2, -1.7)], strict=True
    ):
        objects.append(
            ObjectSpec(category=category, size_role=SizeRole.small, scale=0.75, position=position)
        )
    return SceneSpec(
        id=f"toy{index:04d}",
        seed=index,
        vocab="simco18",
        objects=objects,
        # a camera of its own, so tests do not depend on the default's framing
        camera=Camera(location=(0.0, -9.0, 6.3), look_at=(0.0, 0.3, 0.4), width=size, height=size),
        render=RenderSettings(samples=samples, denoise=False),
    )
