"""The asset pool: each category's GLB imported once, joined into one mesh object, and
reused; extra instances of a category (scenes with repeats) share its mesh.

Only the objects of the current scene are linked into the studio; the others wait outside
it (kept by a fake user). Unlinking beats `hide_render`: a hidden object stays in the
depsgraph, and every change of `hide_render` rebuilds the relations of all the pool's
objects, about 10 ms per image once a hundred assets are imported.
"""

from __future__ import annotations

import math
from pathlib import Path

import bpy
import numpy as np
from mathutils import Matrix

from comco.assets.library import LibraryManifest
from comco.render.tint import apply_attributes
from comco.spec import ObjectSpec


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
        main.use_fake_user = True  # lives outside the scene until a spec shows it
        main.name = f"asset:{category}"
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
        return main

    def instance(self, category: str, n: int) -> bpy.types.Object:
        """The n-th object of a category (importing or duplicating on first use)."""
        instances = self._instances.setdefault(category, [])
        if not instances:
            instances.append(self._import(category))
        while len(instances) <= n:
            copy = instances[0].copy()
            copy.name = f"asset:{category}:{len(instances)}"
            copy.use_fake_user = True
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
        """Make `objects` the only pool objects in the scene, linked in this order, so
        Cycles gets its objects in spec order whatever the worker rendered before."""
        for obj in self._shown:
            self.collection.objects.unlink(obj)
        for obj in objects:
            self.collection.objects.link(obj)
        self._shown = list(objects)


def place(obj: bpy.types.Object, spec: ObjectSpec, instance_id: int) -> None:
    """Put a shown object where its spec says, with the instance id the index pass reports."""
    obj.pass_index = instance_id
    obj.location = (spec.position[0], spec.position[1], 0.0)
    obj.rotation_euler = (0.0, 0.0, math.radians(spec.yaw_deg))
    obj.scale = (spec.scale, spec.scale, spec.scale)
    apply_attributes(obj, spec)
