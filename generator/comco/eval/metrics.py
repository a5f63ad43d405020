"""Retrieval and share metrics over plain arrays, with bootstrap intervals over images.

Several queries come from one image (every caption order, every ITM pair), so intervals
resample images, not queries: the queries of one image are not independent.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, so a dot product is a cosine."""
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError("embeddings: a zero vector has no direction; expected non-zero rows")
    return vectors / norms


def nearest(queries: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """Index of the most cosine-similar candidate for each query (ties: lowest index)."""
    if queries.shape[-1] != candidates.shape[-1]:
        raise ValueError(
            f"embeddings: query width {queries.shape[-1]} != candidate width {candidates.shape[-1]}"
        )
    return np.argmax(normalize(queries) @ normalize(candidates).T, axis=1)


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two equally shaped arrays."""
    return np.sum(normalize(a) * normalize(b), axis=-1)


_BOOT_ELEMENTS = 1 << 20  # resample counts held at once (8 MiB of float64)


@dataclass(frozen=True)
class Estimate:
    """A percentage with its bootstrap interval."""

    pct: float
    lo: float
    hi: float


def ratio_with_ci(
    numerators: np.ndarray,
    denominators: np.ndarray,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> list[Estimate]:
    """Per column, 100 * sum(numerators) / sum(denominators), resampling rows (images).

    A share is numerator = hits per image, denominator = queries per image; a mean per object
    is numerator = summed value, denominator = number of objects. Columns with a zero
    denominator give NaN.
    """
    num = np.asarray(numerators, dtype=np.float64)
    den = np.asarray(denominators, dtype=np.float64)
    if num.ndim != 2 or num.shape != den.shape:
        raise ValueError(
            f"ratio_with_ci: numerators {num.shape} and denominators {den.shape} must be "
            "equal 2-D (images, columns) arrays"
        )

    with np.errstate(invalid="ignore", divide="ignore"):
        point = 100.0 * num.sum(axis=0) / den.sum(axis=0)
    if not n_boot:
        return [Estimate(float(p), float(p), float(p)) for p in point]
    rng = np.random.default_rng(seed)
    # each resample is a count per row (summing counts x rows equals summing the drawn rows),
    # done in chunks so memory stays bounded on large corpora; the draws equal one (n_boot, n)
    # draw, so the chunk size never changes the result
    n = num.shape[0]
    chunk = max(1, _BOOT_ELEMENTS // max(1, n))
    boot = []
    for start in range(0, n_boot, chunk):
        rows = rng.integers(0, n, size=(min(chunk, n_boot - start), n))
        counts = np.empty(rows.shape)
        for i, drawn in enumerate(rows):
            counts[i] = np.bincount(drawn, minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            boot.append(100.0 * (counts @ num) / (counts @ den))
    tail = 100.0 * (1.0 - level) / 2.0
    with warnings.catch_warnings():  # an all-empty column is NaN, which is what we want
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanpercentile(np.concatenate(boot), [tail, 100.0 - tail], axis=0)
    return [Estimate(float(p), float(a), float(b)) for p, a, b in zip(point, lo, hi, strict=True)]
