"""One probe measured over several seeds: per seed a fresh split and initialisation, then
per-slot test accuracy and chance, summarised as mean and 95 % t-interval over seeds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from comco.eval.probes.linear import MISSING, ProbeConfig, slot_accuracy, train_slot_probe
from comco.eval.probes.splits import Split, split_scenes
from comco.eval.results import Cell


@dataclass(frozen=True)
class SlotScores:
    """Test accuracy and chance per seed and slot (fractions), and the splits used."""

    accuracy: np.ndarray  # (seeds, slots)
    chance: np.ndarray  # (seeds, slots)
    splits: list[Split]
    n_test_scenes: int
    n_test_samples: int


def majority_chance(y_train: np.ndarray, y_test: np.ndarray) -> np.ndarray:
    """Per slot, the test accuracy of always answering the train split's most common class."""
    chance = np.full(y_train.shape[1], np.nan)
    for slot in range(y_train.shape[1]):
        train = y_train[:, slot][y_train[:, slot] != MISSING]
        test = y_test[:, slot][y_test[:, slot] != MISSING]
        if len(train) and len(test):
            chance[slot] = float(np.mean(test == np.bincount(train).argmax()))
    return chance


def run_slot_probe(
    x: np.ndarray,
    labels: np.ndarray,
    scene_ids: list[str],
    n_classes: int,
    config: ProbeConfig,
    seeds: list[int],
    held_out: set[str] | frozenset[str] = frozenset(),
) -> SlotScores:
    """Train and test the per-slot heads once per seed; samples of one scene share a split."""
    if x.shape[0] != labels.shape[0] or x.shape[0] != len(scene_ids):
        raise ValueError(
            f"probe: {x.shape[0]} embeddings, {labels.shape[0]} label rows and "
            f"{len(scene_ids)} scene ids; expected one of each per sample"
        )
    accuracy, chance, splits = [], [], []
    for seed in seeds:
        split = split_scenes(scene_ids, seed, held_out)
        train, val, test = (split.rows(scene_ids, s) for s in ("train", "val", "test"))
        probe = train_slot_probe(
            config, x[train], labels[train], x[val], labels[val], n_classes, seed
        )
        accuracy.append(slot_accuracy(probe.predict(x[test]), labels[test]))
        chance.append(majority_chance(labels[train], labels[test]))
        splits.append(split)
    test_rows = splits[0].rows(scene_ids, "test")
    return SlotScores(
        accuracy=np.array(accuracy),
        chance=np.array(chance),
        splits=splits,
        n_test_scenes=len(splits[0].ids("test")),
        n_test_samples=len(test_rows),
    )


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
