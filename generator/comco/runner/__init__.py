"""Render runs: shards, a pool of render worker processes, resume, retries, progress.

Knows nothing of Blender: it talks to `comco.render.worker` processes through
`comco.render.protocol` and turns their output into annotations with `comco.annotate.measure`.
"""
