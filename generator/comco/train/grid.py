"""The cells of a data-properties grid: every combination of the varied knobs' values, each
with every seed, named so a cell's folder says what it is."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from comco.core.knobs import CaptionKnobs

KNOB_FLAGS = {"attribute-density": "attribute_density", "completeness": "completeness",
              "order": "order", "saliency-bias": "saliency_bias"}  # fmt: skip


@dataclass(frozen=True)
class Cell:
    """One model to train: knob values (field name -> value) and a seed."""

    values: tuple[tuple[str, float | str], ...]
    seed: int

    @property
    def name(self) -> str:
        knobs = "_".join(f"{field.replace('_', '-')}-{value}" for field, value in self.values)
        return f"{knobs}_seed-{self.seed}"

    def knobs(self, fixed: dict[str, float | str | tuple[int, int]]) -> CaptionKnobs:
        """The cell's knobs: its varied values over the fixed ones (the rest default)."""
        return CaptionKnobs(**{**fixed, **dict(self.values)})


def parse_vary(text: str) -> tuple[str, list[float | str]]:
    """'attribute-density=0,0.5,1' -> ('attribute_density', [0.0, 0.5, 1.0])."""
    flag, _, values = text.partition("=")
    field = KNOB_FLAGS.get(flag.strip())
    if field is None or not values.strip():
        raise ValueError(
            f"vary: {text!r} is not KNOB=V1,V2,...; expected a knob among {sorted(KNOB_FLAGS)}"
        )
    parsed: list[float | str] = []
    for value in values.split(","):
        value = value.strip()
        if field == "order":
            parsed.append(value)
            continue
        try:
            parsed.append(float(value))
        except ValueError:
            raise ValueError(f"vary: {flag}={value!r} is not a number in [0, 1]") from None
    for value in parsed:
        CaptionKnobs(**{field: value})  # a value out of range fails here, naming the field
    if len(set(parsed)) != len(parsed):
        raise ValueError(f"vary: {text!r} repeats a value; expected distinct values")
    return field, parsed


def cells(vary: list[tuple[str, list[float | str]]], seeds: int) -> list[Cell]:
    """Every combination of the varied values, each with seeds 0..seeds-1, in that order."""
    fields = [field for field, _ in vary]
    if len(set(fields)) != len(fields):
        raise ValueError(f"vary: a knob is given twice in {fields}; expected each once")
    combos = itertools.product(*(values for _, values in vary))
    return [
        Cell(tuple(zip(fields, combo, strict=True)), seed)
        for combo in combos
        for seed in range(seeds)
    ]
