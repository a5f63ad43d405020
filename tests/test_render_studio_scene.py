"""How the studio's scene is laid out, seen from inside Blender: the layer Blender evaluates
for the context (before and after every `bpy.ops` call) holds none of the rendered objects,
and the pool's objects sit in the studio in name order whatever order they were imported in,
so Cycles gets a spec's objects in the same order whatever the worker rendered before."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.blender,
    pytest.mark.skipif(importlib.util.find_spec("bpy") is None, reason="bpy is not installed"),
]

PROBE = """
import json, sys
from pathlib import Path
import bpy
from comco.assets.library import load_manifest
from comco.assets.toy_library import build_toy_library, toy_scene
from comco.render.studio import Studio
from comco.core.spec import ObjectSpec
from comco.render.stages import Stopwatch

library, scratch, first = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
build_toy_library(library)
studio = Studio(library, load_manifest(library), scratch)
base = toy_scene(3)
twin = ObjectSpec(
    category=base.objects[1].category, size_role="small", scale=0.75, position=(1.6, -0.9)
)
repeat = base.model_copy(update={"allow_repeats": True, "objects": [*base.objects[:2], twin]})
for spec in (toy_scene(first), repeat, toy_scene(1)):
    studio.apply(spec, Stopwatch())
    studio.render(scratch / "image.sgi", "IRIS", scratch / "index.exr", Stopwatch())
print(json.dumps({
    "context": sorted(o.name for o in bpy.context.evaluated_depsgraph_get().objects),
    "studio": [o.name for o in studio.content.objects],
}))
"""


def _probe(folder: Path, first_scene: int) -> dict:
    folder.mkdir()
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(folder / "library"), str(folder), str(first_scene)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    return json.loads(probe.stdout.strip().splitlines()[-1])


def test_the_context_layer_holds_none_of_the_rendered_objects(tmp_path: Path) -> None:
    seen = _probe(tmp_path / "a", 0)
    assert seen["context"] == []
    assert {"floor", "camera", "sun"} <= set(seen["studio"])


def test_pool_objects_keep_name_order_whatever_the_import_order(tmp_path: Path) -> None:
    one, other = _probe(tmp_path / "a", 0), _probe(tmp_path / "b", 2)
    pool = [name for name in one["studio"] if name.startswith("asset:")]
    assert len(pool) == 5  # four shapes and one twin
    assert pool == sorted(pool)
    assert one["studio"] == other["studio"]
