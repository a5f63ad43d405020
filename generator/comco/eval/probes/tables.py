"""Per-seed probe outcomes as result tables: each accuracy row followed by its chance row."""

from __future__ import annotations

import numpy as np

from comco.eval.probes.protocol import SeedOutcome, mean_cell
from comco.eval.results import Row


def slot_rows(group: str, columns: list[str], outcomes: list[SeedOutcome]) -> list[Row]:
    """'<group>' (mean test accuracy per slot over seeds) and '<group>, chance' (the train
    split's most common class answered every time), both with 95 % t-intervals over seeds."""
    accuracy = np.array([o.accuracy() for o in outcomes])
    chance = np.array([o.chance() for o in outcomes])
    return [
        _row(group, columns, accuracy, outcomes),
        _row(f"{group}, chance", columns, chance, outcomes),
    ]


def masked_rows(group: str, masks: dict[str, np.ndarray], outcomes: list[SeedOutcome]) -> list[Row]:
    """Like `slot_rows`, with columns pooling the (sample, slot) cells a mask selects, e.g.
    every object of size role 'large'; masks are (all samples, slots) booleans."""
    columns = list(masks)
    accuracy, chance = [], []
    for outcome in outcomes:
        known = outcome.labels >= 0
        cells = {c: masks[c][outcome.test_rows] & known for c in columns}
        accuracy.append([_share(outcome.predicted == outcome.labels, cells[c]) for c in columns])
        chance.append([_share(outcome.baseline == outcome.labels, cells[c]) for c in columns])
    first = outcomes[0]
    objects = sum(int((masks[c][first.test_rows] & (first.labels >= 0)).sum()) for c in columns)
    return [
        _row(group, columns, np.array(accuracy), outcomes, objects),
        _row(f"{group}, chance", columns, np.array(chance), outcomes, objects),
    ]


def split_notes(label: str, outcomes: list[SeedOutcome]) -> str:
    first = outcomes[0].split
    digests = ", ".join(o.split.digest for o in outcomes)
    seeds = [o.split.seed for o in outcomes]
    return f"{label}: splits by scene, {first.rule}; seeds {seeds}, digests {digests}."


def _share(hits: np.ndarray, mask: np.ndarray) -> float:
    return float(hits[mask].mean()) if mask.any() else float("nan")


def _row(
    group: str,
    columns: list[str],
    values: np.ndarray,
    outcomes: list[SeedOutcome],
    n_queries: int | None = None,
) -> Row:
    """n queries: the first seed's test samples, or `n_queries` (e.g. test objects)."""
    return Row(
        group=group,
        n_images=len(outcomes[0].split.ids("test")),
        n_queries=len(outcomes[0].test_rows) if n_queries is None else n_queries,
        cells={c: mean_cell(values[:, j]) for j, c in enumerate(columns)},
    )
