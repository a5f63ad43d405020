"""An asset whose texture alpha is linked turns on Cycles' transparency kernel feature; scenes
with and without it must not make Cycles load its kernels again (on OptiX a reload rebuilds
the module and pipelines). That the anchor changes no pixel is `test_render_exactness`'s job."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import trimesh
from PIL import Image
from tests.support.cpu_worker import cpu_worker
from tests.support.worker_files import job_in

from comco.assets.library import MANIFEST_NAME, load_manifest
from comco.assets.toy_library import build_toy_library, toy_scene
from comco.core.spec import SceneSpec
from comco.io.hashing import sha256_file
from comco.runner.worker_client import WorkerClient

pytestmark = [
    pytest.mark.blender,
    pytest.mark.skipif(importlib.util.find_spec("bpy") is None, reason="bpy is not installed"),
]


def _give_alpha_texture(glb: Path) -> None:
    """Rewrite a toy GLB with a half-transparent texture (alphaMode BLEND), which Blender's
    importer links to the Principled BSDF's Alpha, like the real airplane and carrot."""
    mesh = trimesh.load(glb, force="mesh")
    texture = Image.new("RGBA", (4, 4), (200, 60, 60, 128))
    material = trimesh.visual.material.PBRMaterial(baseColorTexture=texture, alphaMode="BLEND")
    mesh.visual = trimesh.visual.TextureVisuals(uv=mesh.vertices[:, [0, 2]], material=material)
    glb.write_bytes(mesh.export(file_type="glb"))


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory):
    library = tmp_path_factory.mktemp("alpha-library")
    build_toy_library(library)
    _give_alpha_texture(library / "cone.glb")
    manifest = load_manifest(library)
    manifest.assets["cone"].sha256 = sha256_file(library / "cone.glb")
    (library / MANIFEST_NAME).write_text(manifest.model_dump_json(indent=2))
    scratch = tmp_path_factory.mktemp("scratch")
    with cpu_worker(library, scratch) as client:
        yield client


def _without_cone(spec: SceneSpec) -> SceneSpec:
    objects = [o for o in spec.objects if o.category != "cone"]
    return spec.model_copy(update={"objects": objects, "id": f"{spec.id}-nocone"})


def test_scenes_with_and_without_an_alpha_asset_keep_the_kernels_loaded(
    worker: WorkerClient, tmp_path: Path
) -> None:
    with_cone, without_cone = toy_scene(1), _without_cone(toy_scene(1))
    stages = []
    for n, spec in enumerate([with_cone, without_cone] * 3):
        done = worker.render(job_in(tmp_path, spec, f"{n}"))
        assert done.ok, done.error
        stages.append(done.stages)
    assert all("kernel_load" not in s for s in stages[1:]), [sorted(s) for s in stages]
    assert all("cycles_sync" in s and "path_tracing" in s for s in stages)
