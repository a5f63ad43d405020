"""Blender side of `comco assets verify`: import each library GLB exactly as the renderer
will, report what Blender sees (faces, bounds, textures that failed to load) and render a
small thumbnail from about the default camera's direction.

Run as `python -m comco.render.assets_preview REQUEST.json RESULT.json`, so the assets
package talks to Blender through files, as the runner does through the worker protocol.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import bpy
import mathutils

# thumbnails look from the direction of (0, -7.5, 5.2) at the asset, close to the default
# scene camera's view (`comco.core.spec.Camera`), but from near enough that a 1 m asset fills
# the frame
CAMERA_DIRECTION = mathutils.Vector((0.0, -7.5, 5.2)).normalized()
CAMERA_DISTANCE = 2.6
LOOK_AT = mathutils.Vector((0.0, 0.0, 0.35))
BACKGROUND_NAME = "_background.png"  # no category starts with "_"


@dataclass
class PreviewResult:
    """What Blender saw when importing one asset."""

    category: str
    faces: int
    bounds_min: tuple[float, float, float]
    bounds_max: tuple[float, float, float]
    missing_images: list[str]
    thumbnail: Path


def _reset_scene(size_px: int, samples: int) -> bpy.types.Scene:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = samples
    scene.cycles.use_denoising = False
    scene.render.resolution_x = scene.render.resolution_y = size_px
    scene.render.image_settings.file_format = "PNG"
    scene.render.image_settings.color_mode = "RGBA"
    camera = bpy.data.objects.new("camera", bpy.data.cameras.new("camera"))
    camera.location = LOOK_AT + CAMERA_DIRECTION * CAMERA_DISTANCE
    camera.rotation_euler = (LOOK_AT - camera.location).to_track_quat("-Z", "Y").to_euler()
    camera.data.lens = 50
    scene.collection.objects.link(camera)
    scene.camera = camera
    sun = bpy.data.objects.new("sun", bpy.data.lights.new("sun", "SUN"))
    sun.data.energy = 3.0
    sun.rotation_euler = (math.radians(40), math.radians(15), math.radians(30))
    scene.collection.objects.link(sun)
    world = bpy.data.worlds.new("world")
    world.use_nodes = True
    background = world.node_tree.nodes["Background"]
    background.inputs[0].default_value = (0.8, 0.8, 0.8, 1.0)
    background.inputs[1].default_value = 0.8
    scene.world = world
    return scene


def _clear_imported(keep: set[str]) -> None:
    for obj in list(bpy.data.objects):
        if obj.name not in keep:
            bpy.data.objects.remove(obj, do_unlink=True)
    for collection in (bpy.data.meshes, bpy.data.materials, bpy.data.images):
        for block in list(collection):
            if block.users == 0:
                collection.remove(block)


def preview_assets(
    assets: dict[str, Path], out_dir: Path, size_px: int = 160, samples: int = 16
) -> list[PreviewResult]:
    """Import and render each `category -> GLB`; thumbnails go to `out_dir/<category>.png`
    (RGBA, transparent where no asset is), the empty scene to `out_dir/BACKGROUND_NAME`."""
    scene = _reset_scene(size_px, samples)
    fixed = {obj.name for obj in bpy.data.objects}
    scene.render.filepath = str(out_dir / BACKGROUND_NAME)
    bpy.ops.render.render(write_still=True)
    # from here on alpha says where an asset is and how opaque (`comco.assets.render_checks`)
    scene.render.film_transparent = True
    results = []
    for category, path in assets.items():
        _clear_imported(fixed)
        bpy.ops.import_scene.gltf(filepath=str(path))
        meshes = [o for o in scene.objects if o.type == "MESH"]
        bpy.context.view_layer.update()
        corners = [o.matrix_world @ mathutils.Vector(c) for o in meshes for c in o.bound_box]
        lo = tuple(min(c[i] for c in corners) for i in range(3)) if corners else (0.0,) * 3
        hi = tuple(max(c[i] for c in corners) for i in range(3)) if corners else (0.0,) * 3
        thumbnail = out_dir / f"{category}.png"
        scene.render.filepath = str(thumbnail)
        bpy.ops.render.render(write_still=True)
        # after rendering every used image has been loaded; a failed one has no pixels
        missing = [
            image.name for image in bpy.data.images if image.type == "IMAGE" and image.size[0] == 0
        ]
        results.append(
            PreviewResult(
                category=category,
                faces=sum(len(o.data.polygons) for o in meshes),
                bounds_min=lo,
                bounds_max=hi,
                missing_images=missing,
                thumbnail=thumbnail,
            )
        )
    return results


def main(request_file: str, result_file: str) -> None:
    """Read `{"assets": {category: glb}, "out_dir": dir}`; write `{"results": [...],
    "background": png}` as JSON."""
    request = json.loads(Path(request_file).read_text())
    assets = {c: Path(p) for c, p in request["assets"].items()}
    results = preview_assets(assets, Path(request["out_dir"]))
    records = [{**asdict(r), "thumbnail": str(r.thumbnail)} for r in results]
    background = Path(request["out_dir"]) / BACKGROUND_NAME
    Path(result_file).write_text(json.dumps({"results": records, "background": str(background)}))


if __name__ == "__main__":
    main(*sys.argv[1:3])
