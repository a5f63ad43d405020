"""A keyed pseudo-random permutation of range(n) evaluated one index at a time.

`--all-orders` draws scenes from every ordered tuple of categories without replacement, as
the original ComCO did. Drawing from a permutation means scene i depends only on (seed, i):
shards can be sampled independently and still never repeat a tuple.
"""

from __future__ import annotations

import hashlib
import math


class KeyedPermutation:
    """A bijection on range(n): a balanced Feistel network with cycle walking."""

    ROUNDS = 6

    def __init__(self, n: int, key: int) -> None:
        if n < 1:
            raise ValueError(f"permutation size must be at least 1, got {n}")
        self.n = n
        self.key = key.to_bytes(8, "little", signed=False)
        self.half_bits = max(1, math.ceil(math.log2(n) / 2)) if n > 1 else 1
        self.mask = (1 << self.half_bits) - 1

    def _round(self, value: int, round_index: int) -> int:
        digest = hashlib.blake2b(
            value.to_bytes(8, "little") + bytes([round_index]), key=self.key, digest_size=8
        ).digest()
        return int.from_bytes(digest, "little") & self.mask

    def _encrypt(self, value: int) -> int:
        left, right = value >> self.half_bits, value & self.mask
        for r in range(self.ROUNDS):
            left, right = right, left ^ self._round(right, r)
        return (left << self.half_bits) | right

    def __call__(self, index: int) -> int:
        if not 0 <= index < self.n:
            raise IndexError(f"index {index} outside range(0, {self.n})")
        value = self._encrypt(index)
        while value >= self.n:  # cycle walking keeps the result inside range(n)
            value = self._encrypt(value)
        return value


def ordered_tuple_count(n_items: int, k: int) -> int:
    """How many ordered k-tuples of distinct items there are: n!/(n-k)!."""
    return math.perm(n_items, k)


def unrank_ordered_tuple(rank: int, n_items: int, k: int) -> list[int]:
    """The rank-th ordered k-tuple of distinct items of range(n_items) (mixed radix)."""
    remaining = list(range(n_items))
    chosen = []
    for position in range(k):
        base = n_items - position
        rank, digit = divmod(rank, base)
        chosen.append(remaining.pop(digit))
    return chosen
