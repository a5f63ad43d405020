"""Rendering with Blender (bpy): the only package that imports it. Its modules run inside a
render worker process (`python -m comco.render.worker`); what the runner shares with them
(the protocol, fixed render settings, silhouettes) lives outside, in plain Python."""
