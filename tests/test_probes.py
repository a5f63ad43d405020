"""The probe code on planted embeddings whose answer is known (no model involved)."""

from __future__ import annotations

import numpy as np
import pytest

from comco.eval.probes.linear import LABCLIP, MISSING, TOC, ProbeConfig, train_slot_probe
from comco.eval.probes.protocol import majority, mean_cell, run_slot_probe
from comco.eval.probes.splits import split_scenes

N_CLASSES = 8


def planted(
    n_scenes: int, weights: list[float], dim: int = 64, noise: float = 0.3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """One embedding per scene: the sum over slots of weight_j * a random vector for
    (slot j, its class), plus noise. A linear head can read slot j iff weight_j beats noise."""
    rng = np.random.default_rng(seed)
    codebook = rng.normal(size=(len(weights), N_CLASSES, dim)) / np.sqrt(dim)
    labels = rng.integers(0, N_CLASSES, size=(n_scenes, len(weights)))
    x = sum(w * codebook[j, labels[:, j]] for j, w in enumerate(weights))
    x = x + noise * rng.normal(size=(n_scenes, dim)) / np.sqrt(dim)
    return x.astype(np.float32), labels, [f"s{i:05d}" for i in range(n_scenes)]


def test_strong_first_slot_is_read_faint_last_slot_is_chance() -> None:
    x, labels, ids = planted(3000, [1.0, 0.5, 0.25, 0.01])
    outcomes = run_slot_probe(x, labels, ids, N_CLASSES, TOC, seeds=[0, 1, 2])
    accuracy = np.mean([o.accuracy() for o in outcomes], axis=0)
    assert accuracy[0] > 0.95
    assert accuracy[0] > accuracy[1] > accuracy[2] > accuracy[3]
    assert abs(accuracy[3] - 1 / N_CLASSES) < 0.06  # near chance (8 classes)
    assert np.all(np.abs(np.mean([o.chance() for o in outcomes], axis=0) - 1 / N_CLASSES) < 0.06)


def test_labclip_sgd_protocol_reads_a_strong_slot() -> None:
    x, labels, ids = planted(600, [1.0, 0.0])
    quick = ProbeConfig("sgd", LABCLIP.lr, 20, LABCLIP.batch_size)
    (outcome,) = run_slot_probe(x, labels, ids, N_CLASSES, quick, seeds=[0])
    accuracy = outcome.accuracy()
    assert accuracy[0] > 0.9 and abs(accuracy[1] - 1 / N_CLASSES) < 0.1


def test_missing_slots_are_neither_trained_nor_scored() -> None:
    x, labels, ids = planted(800, [1.0, 1.0])
    labels[::2, 1] = MISSING  # half the scenes have one object only
    (outcome,) = run_slot_probe(x, labels, ids, N_CLASSES, TOC, seeds=[0])
    assert outcome.accuracy()[1] > 0.9  # scored on the samples that have slot 2 only
    assert (outcome.labels[:, 1] == MISSING).sum() > 0


def test_same_seed_same_probe_and_split() -> None:
    x, labels, ids = planted(300, [1.0])
    first = train_slot_probe(TOC, x[:200], labels[:200], x[200:], labels[200:], N_CLASSES, 3)
    again = train_slot_probe(TOC, x[:200], labels[:200], x[200:], labels[200:], N_CLASSES, 3)
    assert np.array_equal(first.weight.numpy(), again.weight.numpy())
    assert split_scenes(ids, 5).digest == split_scenes(list(reversed(ids)), 5).digest
    assert split_scenes(ids, 5).digest != split_scenes(ids, 6).digest


def test_split_keeps_scenes_whole_and_held_out_pairs_in_test() -> None:
    ids = [f"s{i}" for i in range(100)]
    split = split_scenes(ids, 0)
    assert [len(split.ids(s)) for s in ("train", "val", "test")] == [60, 20, 20]
    held = {"s1", "s2", "s3"}
    with_held = split_scenes(ids, 0, held_out=held)
    assert set(with_held.ids("test")) == held
    samples = ["s1", "s1", "s7", "s1"]  # several samples of one scene
    rows = with_held.rows(samples, "test")
    assert rows.tolist() == [0, 1, 3]
    with pytest.raises(ValueError, match="all 100 scenes are held out"):
        split_scenes(ids, 0, held_out=set(ids))


def test_baseline_is_the_majority_class_and_interval_covers_seeds() -> None:
    assert majority(np.array([[1, MISSING], [1, 3], [2, MISSING]])).tolist() == [1, 3]
    cell = mean_cell(np.array([0.5, 0.6, 0.7]))
    assert cell.pct == pytest.approx(60.0) and cell.lo < 50 < 70 < cell.hi
    assert mean_cell(np.array([0.4])).lo == pytest.approx(40.0)
