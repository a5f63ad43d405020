"""Linear heads trained on frozen embeddings, one per slot, all slots in one tensor.

The heads of one probe share nothing but the input, so they are trained together as one
(D, slots, classes) weight with the sum of their losses: each head's gradient and optimiser
state are its own, which equals training them one by one, at a fraction of the cost.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

MISSING = -1  # label of a slot a sample does not have (e.g. slot 4 of a 3-object scene)


@dataclass(frozen=True)
class ProbeConfig:
    """Optimiser settings of one probe protocol."""

    optimizer: Literal["adam", "sgd"]
    lr: float
    epochs: int
    batch_size: int
    normalise: bool = False  # L2-normalise the embeddings first
    keep: Literal["best", "last"] = "best"  # the epoch each head keeps (best on validation)

    def describe(self) -> str:
        features = "L2-normalised" if self.normalise else "raw"
        epoch = "last epoch" if self.keep == "last" else "best validation epoch per head"
        return (
            f"{self.optimizer.upper()} lr {self.lr:g}, {self.epochs} epochs, batch "
            f"{self.batch_size}, cross-entropy, {features} features, {epoch}"
        )


# the ComCO paper's text classifier (TOC_*.py): normalised features, 10 epochs, batch 32
TOC = ProbeConfig("adam", 1e-3, 10, 32, normalise=True)
# comco's image heads per size rank (and count probe): the paper's optimiser and epochs on raw
# features, best validation epoch
IOC = ProbeConfig("adam", 1e-3, 25, 32)
# the paper's IOC.py: normalised features, batch 8, the last epoch's heads
IOC_PAPER = ProbeConfig("adam", 1e-3, 25, 8, normalise=True, keep="last")
LABCLIP = ProbeConfig("sgd", 0.1, 100, 32, keep="last")  # LABCLIP's probes: raw features


@contextmanager
def one_thread() -> Iterator[None]:
    """Batches of 32 are too small to share among threads: on a busy 2-core machine two
    threads made probe training 17x slower than one. The caller's setting is restored."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Summed over slots of the mean cross-entropy over the samples that have the slot."""
    known = labels != MISSING
    per_sample = torch.nn.functional.cross_entropy(
        logits.permute(0, 2, 1), labels.clamp(min=0), reduction="none"
    )  # (batch, slots)
    counts = known.sum(dim=0).clamp(min=1)
    return ((per_sample * known).sum(dim=0) / counts).sum()


def _logits(weight: torch.Tensor, bias: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    dim, slots, classes = weight.shape  # one GEMM for every head: heads are column blocks
    return (x @ weight.reshape(dim, slots * classes)).reshape(-1, slots, classes) + bias


def prepare(x: np.ndarray, config: ProbeConfig) -> np.ndarray:
    """The features a probe of this config trains on."""
    if not config.normalise:
        return x
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(norms == 0, 1.0, norms)


def slot_accuracy(predictions: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per slot, the share of samples having that slot whose label was predicted (NaN if none)."""
    known = labels != MISSING
    with np.errstate(invalid="ignore"):
        return ((predictions == labels) & known).sum(axis=0) / known.sum(axis=0)


@dataclass
class SlotProbe:
    """Trained heads: `predict` gives each sample's class per slot."""

    weight: torch.Tensor
    bias: torch.Tensor

    def predict(self, x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            logits = _logits(self.weight, self.bias, torch.as_tensor(x, dtype=torch.float32))
        return logits.argmax(dim=-1).numpy()


@one_thread()
def train_slot_probe(
    config: ProbeConfig,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    n_classes: int,
    seed: int,
) -> SlotProbe:
    """Train one linear head per slot (labels `(n, slots)`, MISSING where absent); each head
    keeps the weights of its epoch with the best validation accuracy (the last on ties), or
    of the last epoch (`config.keep`). The caller normalises features (`prepare`)."""
    if x_train.shape[0] == 0:
        raise ValueError("probe: the train split is empty; expected at least one sample")
    generator = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(x_train, dtype=torch.float32)
    y = torch.as_tensor(y_train, dtype=torch.long)
    n, dim = x.shape
    slots = y.shape[1]
    bound = 1.0 / dim**0.5  # torch.nn.Linear's initialisation
    weight = (
        (torch.rand(dim, slots, n_classes, generator=generator) * 2 - 1) * bound
    ).requires_grad_()
    bias = ((torch.rand(slots, n_classes, generator=generator) * 2 - 1) * bound).requires_grad_()
    if config.optimizer == "adam":
        optimizer: torch.optim.Optimizer = torch.optim.Adam([weight, bias], lr=config.lr)
    else:
        optimizer = torch.optim.SGD([weight, bias], lr=config.lr)
    best = SlotProbe(weight.detach().clone(), bias.detach().clone())
    best_score = np.full(slots, -1.0)
    for _ in range(config.epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, config.batch_size):
            rows = order[start : start + config.batch_size]
            optimizer.zero_grad()
            _loss(_logits(weight, bias, x[rows]), y[rows]).backward()
            optimizer.step()
        current = SlotProbe(weight.detach(), bias.detach())
        score = np.nan_to_num(slot_accuracy(current.predict(x_val), y_val), nan=0.0)
        better = score >= best_score if config.keep == "best" else np.ones(slots, dtype=bool)
        best.weight[:, better] = weight.detach()[:, better]
        best.bias[better] = bias.detach()[better]
        best_score = np.where(better, score, best_score)
    return best
