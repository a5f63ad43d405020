"""Render runs: resume, a pool of render worker processes (local or Ray), retries, progress.

`run.Run` owns the dataset folder and decides what is left (`tasks`, with the journals
`journal`, `completion` and `spec_digests`); an engine (`engine.Engine`: `local_engine`, or
`ray_engine` with `ray_actor`) places workers, every one fed by the same loop (`feeder`); every
outcome goes through the run's `ledger`, which applies the crash policy (`states`).
Knows nothing of Blender: it talks to `comco.render.worker` processes through
`comco.render.protocol` and turns their output into annotations with `comco.annotate.measure`.
"""
