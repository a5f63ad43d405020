"""Seeded train/val/test splits of scenes, recorded by a digest of their assignment.

A scene is the unit: every caption order and every object of one scene lands in the same
split, so a probe is never tested on a scene it saw in training. Scenes the binding data
holds out (an unseen attribute-category pair) are the test split whenever there are any.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

FRACTIONS = (0.6, 0.2, 0.2)  # train, val, test


@dataclass(frozen=True)
class Split:
    """Which split each scene id is in, and how it was drawn."""

    assignment: dict[str, str]
    seed: int
    rule: str

    def rows(self, keys: list[str], name: str) -> np.ndarray:
        """Indices of `keys` (one scene id per sample) that fall in split `name`."""
        return np.array([i for i, k in enumerate(keys) if self.assignment[k] == name], dtype=int)

    def ids(self, name: str) -> list[str]:
        return sorted(k for k, v in self.assignment.items() if v == name)

    @property
    def digest(self) -> str:
        """sha256 (first 12 hex) of the sorted 'id split' lines: equal digests, equal splits."""
        lines = "\n".join(f"{k} {self.assignment[k]}" for k in sorted(self.assignment))
        return hashlib.sha256(lines.encode()).hexdigest()[:12]

    def describe(self) -> str:
        counts = {name: len(self.ids(name)) for name in ("train", "val", "test")}
        return f"seed {self.seed}: {self.rule}; scenes {counts}; digest {self.digest}"


def split_scenes(
    scene_ids: Iterable[str],
    seed: int,
    held_out: Iterable[str] = (),
    validation: Iterable[str] = (),
    fractions: tuple[float, float, float] = FRACTIONS,
) -> Split:
    """Scenes in `held_out` are test and those in `validation` val (never train); the rest are
    split train/val in the fractions' train:val ratio when there are held-out scenes, else
    train/val/test in the fractions. The draw depends only on the sorted ids and the seed."""
    ids = sorted(set(scene_ids))
    held = set(held_out) & set(ids)
    forced_val = (set(validation) & set(ids)) - held
    if len(held | forced_val) == len(ids) and ids:
        raise ValueError(
            f"split: all {len(ids)} scenes are held out or validation; expected some to train on"
        )
    rng = np.random.default_rng(np.random.SeedSequence([seed, 11]))
    rest = [i for i in ids if i not in held and i not in forced_val]
    order = [rest[j] for j in rng.permutation(len(rest))]
    train_share, val_share, test_share = fractions
    assignment = {k: "test" for k in held} | {k: "val" for k in forced_val}
    if held:
        n_test = 0
        n_val = round(len(rest) * val_share / (train_share + val_share))
        share = train_share / (train_share + val_share)
        rule = f"held-out attribute-category pairs are test, the rest {share:.0%}/{1 - share:.0%} "
        rule += "train/val"
    else:
        n_test = round(len(ids) * test_share)
        n_val = max(0, round(len(ids) * val_share) - len(forced_val))
        rule = f"{train_share:.0%}/{val_share:.0%}/{test_share:.0%} train/val/test"
    assignment |= {k: "test" for k in order[:n_test]}
    assignment |= {k: "val" for k in order[n_test : n_test + n_val]}
    assignment |= {k: "train" for k in order[n_test + n_val :]}
    if forced_val:
        rule += f"; {len(forced_val)} of the data's validation scenes are val"
    return Split(assignment, seed, rule)
