"""The built asset library the real-render tests use, and the marks that skip them where
Blender or the library is missing (`make library` builds it; CI builds it before the tests)."""

from __future__ import annotations

import importlib.util

import pytest

from comco.assets.library import default_library_dir

LIBRARY = default_library_dir().resolve()

REAL_RENDER_MARKS = [
    pytest.mark.blender,
    pytest.mark.library,
    pytest.mark.skipif(importlib.util.find_spec("bpy") is None, reason="no bpy"),
    pytest.mark.skipif(not (LIBRARY / "manifest.json").is_file(), reason="library not built"),
]
