"""The ComCO scripts' two retrieval figures, per query with n objects of its own:

- over all queries, the share whose top-1 candidate is the object in slot k (a 'none' column
  for a top-1 that is none of them: `by_position` / `by_size_rank` tables);
- 'object k accuracy in correct top-n': among the queries whose n best candidates are their
  own n objects, the share whose top-1 is the object in slot k (`correct_top_n` tables).

Slots are what the task reports by: caption or list positions, measured size ranks, file-name
slots. The paper's Table 1, 2 and 5 figures are the second kind.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from comco.eval.results import Table, Tally


def ranked(similarity: np.ndarray, n: int) -> tuple[int, list[int]]:
    """Top-1 candidate index and the n best, best first (ties: the lower index first)."""
    order = np.argsort(-similarity, kind="stable")
    return int(order[0]), [int(i) for i in order[:n]]


class SlotTables:
    """Both figures by group, tallied one query at a time."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self._all, self._correct = Tally(), Tally()
        self._conditioned: Counter[str] = Counter()
        self._total: Counter[str] = Counter()

    def add(self, group: str, k: int, slot: int | None, top_n_correct: bool) -> None:
        """One query with k slots; `slot` (0-based) holds its top-1, None when no slot does."""
        columns = [f"{self.prefix}{i}" for i in range(1, k + 1)]
        hit = "none" if slot is None else columns[slot]
        every = [*columns, "none"]
        self._all.add_image(group, every, {hit: 1.0}, dict.fromkeys(every, 1.0), 1)
        weight = 1.0 if top_n_correct else 0.0
        self._correct.add_image(
            group, columns, {hit: weight}, dict.fromkeys(columns, weight), int(top_n_correct)
        )
        self._conditioned[group] += int(top_n_correct)
        self._total[group] += 1

    def tables(self, what: str, by: str, unit: str, n_boot: int, seed: int) -> list[Table]:
        """`by_<by>` over all queries, then `correct_top_n` (n queries: the conditioned)."""
        return [
            self._all.table(
                f"by_{by}",
                f"Top-1 of {what}, by the object's {by.replace('_', ' ')} (all queries)",
                unit,
                n_boot,
                seed,
            ),
            self._correct.table(
                "correct_top_n",
                f"Top-1 of {what} by {by.replace('_', ' ')}, among the queries whose top-n are "
                "exactly their n objects ('correct top-n'; n queries: how many)",
                unit,
                n_boot,
                seed,
            ),
        ]

    def notes(self) -> list[str]:
        counts = ", ".join(
            f"{group}: {self._conditioned[group]} of {self._total[group]}" for group in self._total
        )
        return [f"Queries whose top-n are exactly their n objects: {counts}."]
