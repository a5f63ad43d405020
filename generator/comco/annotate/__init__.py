"""Judging a render in plain numpy: masks and areas from the instance pass, silhouettes,
measured colours and the quality gates, and the per-image annotation they produce."""
