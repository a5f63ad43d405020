"""Rendering with Blender (bpy). Only the modules that run inside a worker process import bpy
(`worker`, `studio`, `pool`, `devices`); `silhouette`, `protocol` and `toy_library` are plain
Python so the runner and the tests can use them without Blender."""
