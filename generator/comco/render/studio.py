"""One long-lived Blender scene: a grey studio floor, a sun plus sky fill, a camera, the asset
pool, a compositor that writes the object-index pass next to the RGB image, an invisible
anchor that keeps Cycles' kernel features the same from one spec to the next, and a view
layer of its own for rendering.

`Studio.apply(spec)` only updates what a spec changes (which assets rays can see,
transforms, colours, camera, light, settings) and `Studio.render` renders it;
`use_persistent_data` keeps the render session, shaders and images between calls, which is
what makes a render cost ~0.2 s instead of ~1.5 s on CPU. Blender cannot hand a render pass
to Python in memory in background mode (the Viewer node does not run there, and the Render
Result image has no pixels), so the index pass goes to a one-channel uncompressed EXR that
the runner reads with numpy (`comco.annotate.exr`).
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
from pathlib import Path

import bpy
import numpy as np
from mathutils import Matrix, Vector

from comco.assets.library import LibraryManifest
from comco.core.spec import SceneSpec
from comco.render.pool import AssetPool, place
from comco.render.rna import assign
from comco.render.settings import FIXED_SETTINGS
from comco.render.stages import Stopwatch

FLOOR_SIZE_M = 200.0
RENDER_LAYER = "render"


def _principled(
    name: str, color: tuple[float, float, float], roughness: float
) -> bpy.types.Material:
    material = bpy.data.materials.new(name)
    material.use_nodes = True
    bsdf = material.node_tree.nodes["Principled BSDF"]
    bsdf.inputs["Base Color"].default_value = (*color, 1.0)
    bsdf.inputs["Roughness"].default_value = roughness
    return material


def sun_direction(elevation_deg: float, azimuth_deg: float) -> Vector:
    """Unit vector towards the sun. Azimuth 0 puts the sun behind the default camera (-Y);
    positive azimuth turns it counter-clockwise seen from above (towards +X)."""
    el, az = math.radians(elevation_deg), math.radians(azimuth_deg)
    return Vector((math.cos(el) * math.sin(az), -math.cos(el) * math.cos(az), math.sin(el)))


class Studio:
    """The scene every spec is rendered in."""

    def __init__(self, library_dir: Path, manifest: LibraryManifest, scratch: Path):
        bpy.ops.wm.read_factory_settings(use_empty=True)
        self.scene = bpy.context.scene
        self.scratch = Path(tempfile.mkdtemp(prefix="index-", dir=scratch))
        self.content = self._setup_view_layers()
        self._setup_render()
        self._setup_world()
        self._setup_floor()
        self._setup_transparency_anchor()
        self._setup_lights_and_camera()
        self._setup_compositor()
        self.pool = AssetPool(library_dir, manifest, self.content)
        self._phases: dict[str, float] = {}
        bpy.app.handlers.render_stats.append(self._note_phase)

    def _note_phase(self, text: str, *_: object) -> None:
        """Time Cycles' own phases from its status lines: a kernel load lasts until the next
        line, sync ends at the first 'Sample', path tracing (and denoising) at 'Finished';
        the compositor runs after that."""
        now = time.perf_counter()
        if "Loading render kernels" in text:
            self._phases.setdefault("kernels_loading", now)
            return
        if "kernels_loading" in self._phases:
            self._phases.setdefault("kernels_loaded", now)
        if "Sample " in text:
            self._phases.setdefault("sampling", now)
        elif "Finished" in text:
            self._phases["finished"] = now

    def _setup_render(self) -> None:
        scene, cycles = self.scene, self.scene.cycles
        scene.render.engine = "CYCLES"
        scene.render.use_persistent_data = True
        scene.render.resolution_percentage = 100
        scene.render.pixel_aspect_x = scene.render.pixel_aspect_y = 1.0
        scene.render.film_transparent = False
        scene.render.use_file_extension = False
        settings = scene.render.image_settings
        settings.file_format, settings.color_mode, settings.color_depth = "PNG", "RGB", "8"
        scene.view_settings.view_transform = FIXED_SETTINGS["view_transform"]
        scene.view_settings.exposure = FIXED_SETTINGS["exposure"]
        cycles.use_adaptive_sampling = True
        cycles.adaptive_threshold = FIXED_SETTINGS["adaptive_threshold"]
        cycles.use_animated_seed = False
        cycles.diffuse_bounces = FIXED_SETTINGS["diffuse_bounces"]
        cycles.glossy_bounces = FIXED_SETTINGS["glossy_bounces"]
        cycles.transmission_bounces = FIXED_SETTINGS["transmission_bounces"]
        cycles.transparent_max_bounces = FIXED_SETTINGS["transparent_max_bounces"]
        cycles.volume_bounces = FIXED_SETTINGS["volume_bounces"]
        cycles.caustics_reflective = cycles.caustics_refractive = FIXED_SETTINGS["caustics"]
        cycles.use_light_tree = FIXED_SETTINGS["light_tree"]  # one sun + sky: ~8% faster off
        cycles.filter_width = FIXED_SETTINGS["filter_width"]
        cycles.denoiser = FIXED_SETTINGS["denoiser"]

    def _setup_view_layers(self) -> bpy.types.Collection:
        """Render a view layer of its own and leave the first one, which Blender evaluates as
        the context's (`bpy.ops` updates it before and after every operator, the render
        operator once more after rendering), without the studio's objects. Otherwise each
        spec's objects are evaluated twice, the second time for nothing: ~2 ms per image.
        Returns the collection every object of the studio goes into."""
        content = bpy.data.collections.new("studio")
        self.scene.collection.children.link(content)
        idle = self.scene.view_layers[0]
        idle.name, idle.use = "idle", False
        idle.layer_collection.children[content.name].exclude = True
        render = self.scene.view_layers.new(RENDER_LAYER)
        render.use_pass_object_index = True
        return content

    def _setup_world(self) -> None:
        world = bpy.data.worlds.new("studio")
        world.use_nodes = True
        self.scene.world = world
        self.background = world.node_tree.nodes["Background"]

    def _setup_floor(self) -> None:
        half = FLOOR_SIZE_M / 2
        mesh = bpy.data.meshes.new("floor")
        mesh.from_pydata(
            [(-half, -half, 0), (half, -half, 0), (half, half, 0), (-half, half, 0)],
            [],
            [(0, 1, 2, 3)],
        )
        self.floor_material = _principled("floor", (0.5, 0.5, 0.5), 0.9)
        mesh.materials.append(self.floor_material)
        self.content.objects.link(bpy.data.objects.new("floor", mesh))

    def _setup_transparency_anchor(self) -> None:
        """Keep Cycles' kernel features the same for every spec. A material whose alpha is
        linked (the airplane's and the carrot's textures) turns on Cycles' transparency
        feature, and whenever a scene's features differ from the previous scene's Cycles
        loads its kernels again: 1.4 ms on CPU, but on OptiX it rebuilds the module and its
        pipelines. Without this, half the images of a run reloaded. A triangle collapsed to
        a point carries such a material in every scene: Cycles counts its shader, but leaves
        an object of zero size out of the BVH, so no ray can meet it and pixels stay the same."""
        image = bpy.data.images.new("anchor-alpha", 1, 1, alpha=True)
        image.pixels = (1.0, 1.0, 1.0, 1.0)
        material = _principled("anchor", (0.5, 0.5, 0.5), 0.5)
        texture = material.node_tree.nodes.new("ShaderNodeTexImage")
        texture.image = image
        bsdf = material.node_tree.nodes["Principled BSDF"]
        material.node_tree.links.new(texture.outputs["Alpha"], bsdf.inputs["Alpha"])
        mesh = bpy.data.meshes.new("anchor")
        mesh.from_pydata([(0, 0, -1), (0, 0, -1), (0, 0, -1)], [], [(0, 1, 2)])
        mesh.materials.append(material)
        self.content.objects.link(bpy.data.objects.new("anchor", mesh))

    def _setup_lights_and_camera(self) -> None:
        self.sun = bpy.data.objects.new("sun", bpy.data.lights.new("sun", "SUN"))
        self.content.objects.link(self.sun)
        self.camera = bpy.data.objects.new("camera", bpy.data.cameras.new("camera"))
        self.camera.data.sensor_fit = "HORIZONTAL"
        self.camera.data.clip_end = 1000.0
        self.content.objects.link(self.camera)
        self.scene.camera = self.camera

    def _setup_compositor(self) -> None:
        # Only the index pass goes through the compositor: without a Group Output the RGB
        # image stays the render itself (same pixels) and is not copied through the tree.
        tree = bpy.data.node_groups.new("comco", "CompositorNodeTree")
        self.scene.compositing_node_group = tree
        layers = tree.nodes.new("CompositorNodeRLayers")
        layers.layer = RENDER_LAYER
        index_out = tree.nodes.new("CompositorNodeOutputFile")
        index_out.format.media_type = "IMAGE"
        index_out.format.file_format = "OPEN_EXR"
        index_out.format.color_mode = "BW"  # one float channel 'V'
        index_out.format.color_depth = "32"
        index_out.format.exr_codec = "NONE"
        index_out.file_output_items.new("FLOAT", "index")
        index_out.directory = str(self.scratch)
        index_out.file_name = "pass_"
        tree.links.new(layers.outputs["Object Index"], index_out.inputs["index"])

    def apply(self, spec: SceneSpec, clock: Stopwatch) -> None:
        """Set the scene up for `spec` (importing assets it is the first to use)."""
        used: dict[str, int] = {}
        instances = []
        imported = self.pool.imported
        for obj in spec.objects:  # imports a category's asset on its first use
            n = used.get(obj.category, 0)
            used[obj.category] = n + 1
            instances.append(self.pool.instance(obj.category, n))
        if self.pool.imported != imported:  # a cold image: Cycles also uploads the new mesh
            clock.lap("asset_import")
        scene, camera, light, render = self.scene, spec.camera, spec.light, spec.render
        assign(scene.render, "resolution_x", camera.width)
        assign(scene.render, "resolution_y", camera.height)
        assign(scene.cycles, "samples", render.samples)
        assign(scene.cycles, "use_denoising", render.denoise)
        assign(scene.cycles, "max_bounces", render.max_bounces)
        assign(scene.cycles, "seed", spec.seed)
        assign(self.camera.data, "lens", camera.focal_length_mm)
        assign(self.camera.data, "sensor_width", camera.sensor_width_mm)
        assign(self.camera, "matrix_world", Matrix(camera.matrix_world.tolist()))
        direction = sun_direction(light.sun_elevation_deg, light.sun_azimuth_deg)
        assign(self.sun, "rotation_euler", direction.to_track_quat("Z", "Y").to_euler())
        assign(self.sun.data, "energy", light.sun_strength)
        assign(self.sun.data, "angle", math.radians(light.sun_angle_deg))
        background = self.background.inputs
        assign(background["Color"], "default_value", (*spec.background.world_color, 1.0))
        assign(background["Strength"], "default_value", light.sky_strength)
        floor = self.floor_material.node_tree.nodes["Principled BSDF"].inputs["Base Color"]
        assign(floor, "default_value", (*spec.background.floor_color, 1.0))
        self.pool.show(instances)
        for i, (obj, instance) in enumerate(zip(spec.objects, instances, strict=True)):
            place(instance, obj, i + 1)
        clock.lap("scene_update")

    def meshes(self, spec: SceneSpec) -> list[tuple[np.ndarray, np.ndarray]]:
        """Local vertices and triangles of each object of an applied spec."""
        return [self.pool.geometry(obj.category) for obj in spec.objects]

    def render(
        self, image_path: Path, image_format: str, index_path: Path, clock: Stopwatch
    ) -> None:
        """Render the applied spec, write its RGB image (PNG or SGI) to `image_path` and move
        the instance-index pass to `index_path`; `clock` gets the time of each stage."""
        self._phases.clear()
        bpy.ops.render.render(write_still=False)
        phases = self._phases
        if "sampling" in phases and "finished" in phases:
            if "kernels_loaded" in phases:  # the scene's kernel features changed
                clock.lap("cycles_sync", phases["kernels_loading"])
                clock.lap("kernel_load", phases["kernels_loaded"])
            clock.lap("cycles_sync", phases["sampling"])
            clock.lap("path_tracing", phases["finished"])
            clock.lap("compositor")
        else:
            clock.lap("cycles_call")
        # the same colour-managed writer `write_still` uses, timed on its own
        self.scene.render.image_settings.file_format = image_format
        bpy.data.images["Render Result"].save_render(str(image_path), scene=self.scene)
        clock.lap("image_write")
        (written,) = self.scratch.glob("pass_*")
        written.replace(index_path)
        clock.lap("index_move")

    def close(self) -> None:
        bpy.app.handlers.render_stats.remove(self._note_phase)
        shutil.rmtree(self.scratch, ignore_errors=True)
