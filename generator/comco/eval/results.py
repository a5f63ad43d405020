"""Result tables: what every task returns and what the JSON output and the report hold."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Annotated

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from comco.eval.metrics import ratio_with_ci

CATCH_ALL = ("none", "background")
RETRIEVALS_FILE = "retrievals.jsonl"  # beside results.json: one Retrieval a line


# JSON has no NaN: pydantic writes it as null, and null reads back as NaN
MaybeNan = Annotated[float, BeforeValidator(lambda value: math.nan if value is None else value)]


class Cell(BaseModel):
    """A percentage and its 95% bootstrap interval. A column without data in a row has no cell;
    a NaN that remains (a probe slot no seed could score) is null in results.json and reads
    back as NaN."""

    model_config = ConfigDict(frozen=True)

    pct: MaybeNan
    lo: MaybeNan
    hi: MaybeNan


class Row(BaseModel):
    """One group of queries, e.g. '4 objects' or 'helpful'."""

    group: str
    n_images: int
    n_queries: int
    cells: dict[str, Cell]


class Table(BaseModel):
    """One table of a task: rows of groups, columns such as caption positions or size ranks."""

    name: str
    title: str
    unit: str = Field(description="what the numbers are, e.g. '% of captions'")
    columns: list[str]
    rows: list[Row]
    extra: dict[str, list[float]] = Field(
        default_factory=dict, description="task-specific series, e.g. attention per layer"
    )
    chance: dict[str, float] = Field(
        default_factory=dict, description="chance per column, in the table's unit (plots draw it)"
    )


class Retrieval(BaseModel):
    """What a model retrieved for one query of one image."""

    id: str = Field(description="the image's id")
    query: str = Field(description="the caption text, or 'image' for the image itself")
    retrieved: str = Field(description="the category id retrieved")


class TaskResult(BaseModel):
    """What one task measured with one model."""

    task: str
    model: str
    tables: list[Table]
    notes: list[str] = Field(default_factory=list)
    retrievals: list[Retrieval] = Field(
        default_factory=list,
        exclude=True,
        description="per query, for retrievals.jsonl (not results.json: it grows with the data)",
    )
    subset: str | None = Field(
        None, description="the vocabulary preset of its images when the dataset mixes several"
    )

    @property
    def heading(self) -> str:
        """'tor', or 'tor, simco18 images' for one vocabulary of a mixed dataset."""
        return self.task if self.subset is None else f"{self.task}, {self.subset} images"


class Tally:
    """Per-image numerators and denominators by group and column, turned into a `Table`."""

    def __init__(self) -> None:
        self._data: dict[str, dict[str, list[dict[str, float]]]] = defaultdict(
            lambda: {"num": [], "den": []}
        )
        self._queries: dict[str, int] = defaultdict(int)
        self._columns: dict[str, list[str]] = {}

    def add_image(
        self,
        group: str,
        columns: list[str],
        numerators: dict[str, float],
        denominators: dict[str, float],
        n_queries: int,
    ) -> None:
        """Record one image's contribution; `columns` fixes the group's column order."""
        known = self._columns.setdefault(group, columns)
        if known != columns:
            raise ValueError(f"group {group!r}: columns {columns} differ from earlier {known}")
        self._data[group]["num"].append(numerators)
        self._data[group]["den"].append(denominators)
        self._queries[group] += n_queries

    def table(self, name: str, title: str, unit: str, n_boot: int, seed: int) -> Table:
        """Rows sorted by leading count (others in order of arrival); columns are the union,
        first seen first, with the catch-all columns ('none', 'background') last."""
        columns: list[str] = []
        for cols in self._columns.values():
            columns += [c for c in cols if c not in columns]
        columns.sort(key=lambda c: c in CATCH_ALL)
        rows = []
        arrival = list(self._data)
        for group in sorted(arrival, key=lambda g: (_leading_count(g), arrival.index(g))):
            data = self._data[group]
            cols = self._columns[group]
            num = np.array([[image.get(c, 0.0) for c in cols] for image in data["num"]])
            den = np.array([[image.get(c, 0.0) for c in cols] for image in data["den"]])
            estimates = ratio_with_ci(num, den, n_boot=n_boot, seed=seed)
            rows.append(
                Row(
                    group=group,
                    n_images=len(data["num"]),
                    n_queries=self._queries[group],
                    cells={
                        c: Cell(pct=e.pct, lo=e.lo, hi=e.hi)
                        for c, e in zip(cols, estimates, strict=True)
                        if not math.isnan(e.pct)
                    },
                )
            )
        return Table(name=name, title=title, unit=unit, columns=columns, rows=rows)


def _leading_count(group: str) -> int:
    """'10 objects' -> 10, so it sorts after '2 objects'; groups without a count go last."""
    head = group.split(" ", 1)[0]
    return int(head) if head.isdigit() else 10**6


class ModelRun(BaseModel):
    """Every task run with one model; tasks it cannot do are listed with the reason."""

    model: str
    fingerprint: str
    device: str
    seconds: float
    results: list[TaskResult]
    skipped: dict[str, str] = Field(default_factory=dict)
    text_map: str | None = Field(None, description="the LABCLIP map file applied to texts")


class EvalRun(BaseModel):
    """The whole output of one `comco eval` call (results.json)."""

    dataset: str
    n_images: int
    comco_version: str
    runs: list[ModelRun]
