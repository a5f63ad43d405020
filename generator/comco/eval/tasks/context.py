"""What every task receives: the dataset, the (cached) encoder and the statistics settings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from comco.captions.plain import CaptionStyle, caption_style
from comco.eval.cache import CachedEncoder
from comco.eval.dataset import EvalDataset
from comco.eval.options import EvalOptions


@dataclass
class EvalContext:
    """Shared by the tasks of one model run, so embeddings and settings are made once."""

    dataset: EvalDataset
    encoder: CachedEncoder
    n_boot: int = EvalOptions.n_boot
    seed: int = EvalOptions.seed
    probe_seeds: int = EvalOptions.probe_seeds
    list_queries: int = EvalOptions.list_queries

    @property
    def model(self) -> str:
        return str(self.encoder.spec)

    @cached_property
    def annotation_style(self) -> CaptionStyle:
        """The caption style the dataset was annotated with (one per dataset)."""
        names = {r.caption_style for r in self.dataset.records}
        if len(names) != 1:
            raise ValueError(
                f"captions.style: images use several styles {sorted(names)}; expected one"
            )
        (name,) = names
        if name == "custom":
            raise ValueError(
                "captions.style: 'custom' cannot be rebuilt for the single-object targets; "
                "evaluate with tor_paper, or annotate with a named style"
            )
        return caption_style(name)
