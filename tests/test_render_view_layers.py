"""The studio renders a view layer of its own, so the layer Blender evaluates for the context
(before and after every `bpy.ops` call) holds none of a spec's objects and costs nothing."""

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
from comco.stages import Stopwatch

library, scratch = Path(sys.argv[1]), Path(sys.argv[2])
build_toy_library(library)
studio = Studio(library, load_manifest(library), scratch)
spec = toy_scene(1)
studio.apply(spec, Stopwatch())
studio.render(scratch / "image.sgi", "IRIS", scratch / "index.exr", Stopwatch())
print(json.dumps({
    "objects": len(spec.objects),
    "context": sorted(o.name for o in bpy.context.evaluated_depsgraph_get().objects),
    "rendered": sorted(o.name for o in studio.scene.view_layers["render"].objects),
}))
"""


def test_the_context_layer_holds_none_of_the_rendered_objects(tmp_path: Path) -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "library"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    seen = json.loads(probe.stdout.strip().splitlines()[-1])
    assert seen["context"] == []
    assets = [name for name in seen["rendered"] if name.startswith("asset:")]
    assert len(assets) == seen["objects"]
    assert {"floor", "camera", "sun"} <= set(seen["rendered"])
