"""Count-controlled scenes: one category repeated 1-6 times beside other categories.

The count cycles with the scene index over the range, so any run of consecutive scenes is
balanced over counts; the counted category and the others are drawn without replacement.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class CountRange(BaseModel):
    """How many of the counted category a scene holds: low..high, cycling with the index."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: int = Field(1, ge=1)
    high: int = Field(6, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> CountRange:
        if self.low > self.high:
            raise ValueError(f"counts: {self.low}-{self.high}; expected low <= high")
        return self

    def count(self, index: int) -> int:
        return self.low + index % (self.high - self.low + 1)


def parse_counts(text: str) -> CountRange:
    """'1-6' or '3' -> the range; anything else fails naming the value."""
    low, _, high = text.partition("-")
    expected = "expected 'LOW-HIGH' (e.g. 1-6) or 'N' with 1 <= LOW <= HIGH"
    try:
        low_n, high_n = int(low), int(high or low)
    except ValueError:
        raise ValueError(f"counts: {text!r} is not a count range; {expected}") from None
    if not 1 <= low_n <= high_n:
        raise ValueError(f"counts: {text!r} is not a count range; {expected}")
    return CountRange(low=low_n, high=high_n)


def counted_categories(
    members: list[str], distinct: int, count: int, rng: np.random.Generator
) -> tuple[str, list[str]]:
    """The counted category and the scene's categories: it `count` times, then `distinct - 1`
    other categories once each."""
    picks = [members[i] for i in rng.choice(len(members), size=distinct, replace=False)]
    return picks[0], [picks[0]] * count + picks[1:]
