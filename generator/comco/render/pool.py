"""The asset pool: each category's GLB imported once, joined into one mesh object, and
reused; extra instances of a category (scenes with repeats) share its mesh.

Every object the pool makes stays linked into the studio; a spec's objects are shown by
letting every kind of ray see them, the others by letting none see them. Cycles leaves an
object no ray can see out of its scene altogether, so only the shown objects are synced and
built into the BVH. Linking and unlinking the objects per spec, as before, changed the
depsgraph's relations, which Blender then rebuilt, and took each material out of Cycles and
back in, so every shader was compiled again: with every category that was 8 of the 18 ms of
a 224 px image's sync (same pixels).

The objects are linked in name order, not import order, so Cycles gets a spec's objects in
the same order whatever the worker rendered before.
"""

from __future__ import annotations

import math
from pathlib import Path

import bpy
import numpy as np
from mathutils import Matrix

from comco.assets.library import LibraryManifest
from comco.core.spec import ObjectSpec
from comco.render.rna import assign
from comco.render.tint import apply_attributes

POOL_PREFIX = "asset:"
RAY_VISIBILITY = (
    "visible_camera",
    "visible_diffuse",
    "visible_glossy",
    "visible_transmission",
    "visible_volume_scatter",
    "visible_shadow",
)


def set_visible(obj: bpy.types.Object, visible: bool) -> None:
    """Let every kind of ray see `obj`, or none (then Cycles does not export it at all)."""
    for name in RAY_VISIBILITY:
        assign(obj, name, visible)


class MissingAssetError(KeyError):
    """The library has no asset for a category a spec uses."""

    def __str__(self) -> str:
        return str(self.args[0])


class AssetPool:
    """Imported categories and their instances, plus each mesh's local geometry for silhouettes."""

    def __init__(
        self, library_dir: Path, manifest: LibraryManifest, collection: bpy.types.Collection
    ):
        self.library_dir = library_dir
        self.manifest = manifest
        self.collection = collection
        self._instances: dict[str, list[bpy.types.Object]] = {}
        self._geometry: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._shown: list[bpy.types.Object] = []

    def _import(self, category: str) -> bpy.types.Object:
        record = self.manifest.assets.get(category)
        if record is None:
            raise MissingAssetError(
                f"category: {category!r} has no asset in {self.library_dir} "
                f"(library holds {len(self.manifest.assets)} categories)"
            )
        before = set(bpy.data.objects)
        bpy.ops.import_scene.gltf(filepath=str(self.library_dir / record.file))
        imported = [o for o in bpy.data.objects if o not in before]
        meshes = [o for o in imported if o.type == "MESH"]
        if not meshes:
            raise MissingAssetError(f"category: {category!r}: {record.file} holds no mesh")
        for obj in meshes:  # bake each part's world transform so the parts can be joined
            world = obj.matrix_world.copy()
            obj.parent = None
            if obj.data.users > 1:
                obj.data = obj.data.copy()
            obj.data.transform(world)
            obj.matrix_world = Matrix.Identity(4)
        main = meshes[0]
        if len(meshes) > 1:
            with bpy.context.temp_override(
                active_object=main,
                object=main,
                selected_editable_objects=meshes,
                selected_objects=meshes,
            ):
                bpy.ops.object.join()
        for obj in [o for o in bpy.data.objects if o not in before and o != main]:
            bpy.data.objects.remove(obj)  # empties and armatures left over from the import
        for coll in list(main.users_collection):
            coll.objects.unlink(main)
        main.name = f"{POOL_PREFIX}{category}"
        main.rotation_mode = "XYZ"  # the glTF importer leaves quaternions, which ignore yaw
        if not main.data.materials:
            main.data.materials.append(None)
        mesh = main.data
        mesh.calc_loop_triangles()
        verts = np.empty(len(mesh.vertices) * 3, dtype=np.float64)
        mesh.vertices.foreach_get("co", verts)
        tris = np.empty(len(mesh.loop_triangles) * 3, dtype=np.int64)
        mesh.loop_triangles.foreach_get("vertices", tris)
        self._geometry[category] = (verts.reshape(-1, 3), tris.reshape(-1, 3))
        self._enter(main)
        return main

    def _enter(self, new: bpy.types.Object) -> None:
        """Link a new object, hidden, keeping the pool's objects in name order: those that
        sort after it are linked again behind it (a cold image rebuilds the relations anyway)."""
        set_visible(new, False)
        pool = [o for o in self.collection.objects if o.name.startswith(POOL_PREFIX)]
        later = sorted((o for o in pool if o.name > new.name), key=lambda o: o.name)
        for obj in later:
            self.collection.objects.unlink(obj)
        for obj in (new, *later):
            self.collection.objects.link(obj)

    def instance(self, category: str, n: int) -> bpy.types.Object:
        """The n-th object of a category (importing or duplicating on first use)."""
        instances = self._instances.setdefault(category, [])
        if not instances:
            instances.append(self._import(category))
        while len(instances) <= n:
            copy = instances[0].copy()
            copy.name = f"{POOL_PREFIX}{category}:{len(instances)}"
            self._enter(copy)
            instances.append(copy)
        return instances[n]

    @property
    def imported(self) -> int:
        """How many categories have been imported so far."""
        return len(self._geometry)

    def geometry(self, category: str) -> tuple[np.ndarray, np.ndarray]:
        """Local vertices (N, 3) and triangles (T, 3) of an imported category."""
        return self._geometry[category]

    def show(self, objects: list[bpy.types.Object]) -> None:
        """Make `objects` the only pool objects any ray can see."""
        for obj in self._shown:
            if obj not in objects:
                set_visible(obj, False)
        for obj in objects:
            set_visible(obj, True)
        self._shown = list(objects)


def place(obj: bpy.types.Object, spec: ObjectSpec, instance_id: int) -> None:
    """Put a shown object where its spec says, with the instance id the index pass reports."""
    obj.pass_index = instance_id
    obj.location = (spec.position[0], spec.position[1], 0.0)
    obj.rotation_euler = (0.0, 0.0, math.radians(spec.yaw_deg))
    obj.scale = (spec.scale, spec.scale, spec.scale)
    apply_attributes(obj, spec)
