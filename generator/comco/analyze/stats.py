"""What one caption contributes: mention order against size, completeness, attribute words.

Sizes are areas (pixels) of the largest instance of each category in the image. Rank 1 is the
largest. Ties in area share the average rank for Spearman's rho, and count as "largest" for
the first-mentioned object.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

from comco.analyze.ledger import Ledger
from comco.analyze.mentions import NamedCategory

MAX_RANK_K = 5  # first-mention-by-size-rank is tabled per k up to this many named categories
MAX_ORDER_GROUP = 6  # k >= this pools into one "6+" group
MAX_COUNT_GROUP = 10  # images with >= this many categories pool into one group
MAX_POSITION_GROUP = 4
MAX_EXAMPLES = 10  # captions kept that name no annotated category, to extend the word lists

TOTAL_ORDER = "all (k ≥ 2)"
TOTAL = "all"
NOT_IN_INSTANCES = "captions whose image_id is not in the instances file"


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def order_group(k: int) -> str:
    return f"k = {k}" if k < MAX_ORDER_GROUP else f"k ≥ {MAX_ORDER_GROUP}"


def count_group(n: int) -> str:
    if n >= MAX_COUNT_GROUP:
        return f"{MAX_COUNT_GROUP}+ categories"
    return f"{n} categor{'y' if n == 1 else 'ies'}"


def position_group(position: int) -> str:
    """Mention position (0-based) -> '1st named', ..., '4th+ named'."""
    if position + 1 >= MAX_POSITION_GROUP:
        return f"{ordinal(MAX_POSITION_GROUP)}+ named"
    return f"{ordinal(position + 1)} named"


def layout() -> dict[str, dict[str, list[str]]]:
    """Tables -> groups -> columns, in report order."""
    orders = [order_group(k) for k in range(2, MAX_ORDER_GROUP + 1)]
    return {
        "first_largest": {
            g: ["first named is largest", "chance (1/k)", "named largest first throughout"]
            for g in orders
        },
        "first_rank": {
            order_group(k): [f"size rank {r}" for r in range(1, k + 1)]
            for k in range(2, MAX_RANK_K + 1)
        },
        "spearman": {g: ["Spearman ρ"] for g in orders},
        "completeness": {
            count_group(n): ["categories named", "largest named"]
            for n in range(1, MAX_COUNT_GROUP + 1)
        },
        "attributes": {
            position_group(p): ["with a colour word", "with any attribute word"]
            for p in range(MAX_POSITION_GROUP)
        },
    }


def size_ranks(areas: list[float]) -> list[float]:
    """Rank of each area, 1 = largest, ties sharing their average rank."""
    ordered = sorted(areas, reverse=True)
    first = {}
    for index, area in enumerate(ordered):
        first.setdefault(area, index)
    counts = Counter(areas)
    return [first[a] + (counts[a] + 1) / 2 for a in areas]


def spearman_mention_vs_size(areas: list[float]) -> float | None:
    """Spearman's rho between mention rank and size rank (areas listed in mention order):
    +1 when the larger objects are always named first; None when all areas are equal."""
    k = len(areas)
    size = size_ranks(areas)
    mean = (k + 1) / 2
    spread = sum((r - mean) ** 2 for r in size)
    if spread == 0:
        return None
    covariance = sum((i + 1 - mean) * (r - mean) for i, r in enumerate(size))
    return covariance / (spread * k * (k * k - 1) / 12) ** 0.5


@dataclass
class CaptionStats:
    """Everything measured, fed one caption at a time."""

    ledger: Ledger
    counts: Counter[str] = field(default_factory=Counter)
    named_not_annotated: Counter[str] = field(default_factory=Counter)
    present: Counter[str] = field(default_factory=Counter)
    named_when_present: Counter[str] = field(default_factory=Counter)
    unmatched_examples: list[str] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        """A caption that cannot be analysed, counted under its reason."""
        self.counts["captions"] += 1
        self.counts[reason] += 1

    def add(
        self,
        image: int,
        objects: dict[str, float],
        min_area: float,
        named: list[NamedCategory],
        caption: str,
    ) -> None:
        """One caption of an image with `objects` (category -> largest area) and the
        categories it names; categories of at least `min_area` count for completeness."""
        self.counts["captions"] += 1
        annotated = [n for n in named if n.category in objects]
        self.named_not_annotated.update(n.category for n in named if n.category not in objects)
        if not objects:
            self.counts["captions of images without annotations"] += 1
            return
        if not annotated:
            self.counts["captions naming no annotated category"] += 1
            if len(self.unmatched_examples) < MAX_EXAMPLES:
                self.unmatched_examples.append(caption)
        self._completeness(image, objects, min_area, {n.category for n in annotated})
        self._order(image, [objects[n.category] for n in annotated])
        for position, entry in enumerate(annotated):
            self.ledger.add(
                image,
                "attributes",
                position_group(position),
                [float(bool(entry.colours)), float(bool(entry.colours or entry.adjectives))],
                [1.0, 1.0],
            )

    def _completeness(
        self, image: int, objects: dict[str, float], min_area: float, named: set[str]
    ) -> None:
        salient = [c for c, area in objects.items() if area >= min_area]
        if not salient:
            self.counts["captions of images with no category above --min-area"] += 1
            return
        self.present.update(salient)
        self.named_when_present.update(c for c in salient if c in named)
        largest = max(objects, key=objects.__getitem__)
        hits = sum(c in named for c in salient)
        group = count_group(min(len(salient), MAX_COUNT_GROUP))
        self.ledger.add(
            image, "completeness", group, [hits, float(largest in named)], [len(salient), 1.0]
        )

    def _order(self, image: int, areas: list[float]) -> None:
        k = len(areas)
        if k < 2:
            return
        group = order_group(min(k, MAX_ORDER_GROUP))
        first_is_largest = float(areas[0] >= max(areas))
        by_size = float(all(a >= b for a, b in itertools.pairwise(areas)))
        self.ledger.add(
            image, "first_largest", group, [first_is_largest, 1 / k, by_size], [1.0, 1.0, 1.0]
        )
        rho = spearman_mention_vs_size(areas)
        if rho is None:
            self.counts["captions with all named areas equal (no ρ)"] += 1
        else:
            self.ledger.add(image, "spearman", group, [rho], [1.0])
        if k <= MAX_RANK_K:
            rank = 1 + sum(a > areas[0] for a in areas)
            self.ledger.add(
                image,
                "first_rank",
                group,
                [float(r == rank) for r in range(1, k + 1)],
                [1.0] * k,
            )
