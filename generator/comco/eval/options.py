"""How one `comco eval` run is carried out: the model's device and batching, the embedding
cache, and the settings every task reads. One object, so they travel together from the
command line to the tasks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class EvalOptions:
    device: str = "auto"  # 'auto' = cuda when torch sees a GPU
    batch_size: int = 64
    cache_dir: Path | None = None  # embeddings; None: the cache root's embeddings folder
    n_boot: int = 1000  # bootstrap resamples of every interval
    seed: int = 0
    probe_seeds: int = 5  # trained probes: one split and initialisation per seed
    list_queries: int = 5000  # name-list tasks: queries per object count or order (0: all)

    def task_settings(self) -> dict[str, int]:
        """What `EvalContext` takes from these options."""
        return {"n_boot": self.n_boot, "seed": self.seed, "probe_seeds": self.probe_seeds,
                "list_queries": self.list_queries}  # fmt: skip
