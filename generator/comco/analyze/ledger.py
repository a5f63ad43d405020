"""Per-image sums for every (table, group, column), turned into result tables with bootstrap
intervals over images.

A caption's image is known only when the caption arrives and COCO does not group captions by
image, so the sums live in one dense float32 matrix with a row per image: memory grows with
the number of images, not of captions.
"""

from __future__ import annotations

from array import array

import numpy as np

from comco.eval.metrics import ratio_with_ci
from comco.eval.results import Cell, Row, Table

FLUSH_EVERY = 1 << 20  # buffered additions before they are applied to the matrix


class Ledger:
    """Numerator and denominator sums per image for a fixed layout of tables, groups and
    columns, plus how many entries (captions, mentions) each group got per image.

    Additions are buffered as (flat index, value) pairs and applied in bulk: one numpy call
    per million values instead of one per caption."""

    def __init__(self, n_images: int, layout: dict[str, dict[str, list[str]]]) -> None:
        self._layout = layout
        self._base: dict[tuple[str, str], int] = {}
        width = 0
        for table, groups in layout.items():
            for group, columns in groups.items():
                self._base[(table, group)] = width
                width += 1 + 2 * len(columns)
        self._width = width
        self._sums = np.zeros((n_images, width), dtype=np.float32)
        self._index = array("q")
        self._value = array("d")

    @property
    def nbytes(self) -> int:
        return self._sums.nbytes

    def add(
        self, image: int, table: str, group: str, numerators: list[float], denominators: list[float]
    ) -> None:
        """One entry of a group: a value per column (in the layout's column order)."""
        width = len(self._layout[table][group])
        if len(numerators) != width or len(denominators) != width:
            raise ValueError(f"{table}/{group}: expected {width} values per entry")
        start = image * self._width + self._base[(table, group)]
        self._index.extend(range(start, start + 1 + 2 * width))
        self._value.append(1.0)
        for pair in zip(numerators, denominators, strict=True):
            self._value.extend(pair)
        if len(self._index) >= FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        flat = self._sums.reshape(-1)
        np.add.at(flat, np.frombuffer(self._index, dtype=np.int64), np.frombuffer(self._value))
        self._index, self._value = array("q"), array("d")

    def _group(self, table: str, group: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self._flush()
        base = self._base[(table, group)]
        width = len(self._layout[table][group])
        block = self._sums[:, base : base + 1 + 2 * width].astype(np.float64)
        return block[:, 0], block[:, 1::2], block[:, 2::2]

    def table(
        self,
        name: str,
        title: str,
        unit: str,
        n_boot: int,
        seed: int,
        total: str | None = None,
        scale: float = 1.0,
    ) -> Table:
        """Rows in layout order, plus a `total` row pooling every group when given; values are
        100 * ratio (a percentage) times `scale` (0.01 gives the plain mean)."""
        groups = self._layout[name]
        columns = next(iter(groups.values()))
        parts = {group: self._group(name, group) for group in groups}
        if total is not None:
            if any(cols != columns for cols in groups.values()):
                raise ValueError(f"{name}: a total row needs the same columns in every group")
            parts[total] = tuple(sum(p[i] for p in parts.values()) for i in range(3))  # type: ignore[assignment]
        rows = []
        for group, (counts, num, den) in parts.items():
            used = counts > 0
            if not used.any():
                continue
            cols = groups.get(group, columns)
            estimates = ratio_with_ci(num[used], den[used], n_boot=n_boot, seed=seed)
            rows.append(
                Row(
                    group=group,
                    n_images=int(used.sum()),
                    n_queries=int(counts.sum()),
                    cells={
                        c: Cell(pct=e.pct * scale, lo=e.lo * scale, hi=e.hi * scale)
                        for c, e in zip(cols, estimates, strict=True)
                    },
                )
            )
        all_columns = list(dict.fromkeys(c for cols in groups.values() for c in cols))
        return Table(name=name, title=title, unit=unit, columns=all_columns, rows=rows)
