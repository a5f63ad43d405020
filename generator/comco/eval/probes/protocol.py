"""One probe measured over several seeds: per seed a fresh split and initialisation, then
test predictions per slot beside a majority-class baseline; summaries are the mean and 95 %
t-interval over seeds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from comco.eval.probes.linear import (
    MISSING,
    ProbeConfig,
    prepare,
    slot_accuracy,
    train_slot_probe,
)
from comco.eval.probes.splits import FRACTIONS, Split, split_scenes
from comco.eval.results import Cell


@dataclass(frozen=True)
class SeedOutcome:
    """What one seed's heads predicted on its test split, and the baseline's answers."""

    split: Split
    test_rows: np.ndarray  # indices of the test samples
    labels: np.ndarray  # (test, slots), MISSING where a sample lacks the slot
    predicted: np.ndarray  # (test, slots)
    baseline: np.ndarray  # (test, slots): the train split's most common class per slot

    def accuracy(self) -> np.ndarray:
        return slot_accuracy(self.predicted, self.labels)

    def chance(self) -> np.ndarray:
        return slot_accuracy(self.baseline, self.labels)


def majority(y_train: np.ndarray) -> np.ndarray:
    """Per slot, the most common known class of the train labels (0 when a slot has none)."""
    best = np.zeros(y_train.shape[1], dtype=int)
    for slot in range(y_train.shape[1]):
        known = y_train[:, slot][y_train[:, slot] != MISSING]
        if len(known):
            best[slot] = int(np.bincount(known).argmax())
    return best


def run_slot_probe(
    x: np.ndarray,
    labels: np.ndarray,
    scene_ids: list[str],
    n_classes: int,
    config: ProbeConfig,
    seeds: list[int],
    held_out: set[str] | frozenset[str] = frozenset(),
    validation: set[str] | frozenset[str] = frozenset(),
    fractions: tuple[float, float, float] = FRACTIONS,
) -> list[SeedOutcome]:
    """Train and test the per-slot heads once per seed; samples of one unit (`scene_ids`: a
    scene, or any key whose samples must share a split) share a split; `held_out` units are
    test and `validation` units val, never train."""
    if x.shape[0] != labels.shape[0] or x.shape[0] != len(scene_ids):
        raise ValueError(
            f"probe: {x.shape[0]} embeddings, {labels.shape[0]} label rows and "
            f"{len(scene_ids)} scene ids; expected one of each per sample"
        )
    x = prepare(x, config)
    outcomes = []
    for seed in seeds:
        split = split_scenes(scene_ids, seed, held_out, validation, fractions)
        train, val, test = (split.rows(scene_ids, s) for s in ("train", "val", "test"))
        probe = train_slot_probe(
            config, x[train], labels[train], x[val], labels[val], n_classes, seed
        )
        baseline = np.broadcast_to(majority(labels[train]), labels[test].shape)
        outcomes.append(SeedOutcome(split, test, labels[test], probe.predict(x[test]), baseline))
    return outcomes


def mean_cell(values: np.ndarray, level: float = 0.95) -> Cell:
    """Mean of per-seed fractions as a percentage with its t-interval (NaN seeds ignored)."""
    values = 100.0 * np.asarray(values, dtype=np.float64)
    values = values[~np.isnan(values)]
    if not len(values):
        return Cell(pct=float("nan"), lo=float("nan"), hi=float("nan"))
    mean = float(values.mean())
    if len(values) < 2:
        return Cell(pct=mean, lo=mean, hi=mean)
    half = stats.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1) / len(values) ** 0.5
    return Cell(pct=mean, lo=max(0.0, mean - half), hi=min(100.0, mean + half))
