"""The paper's published figures (data/paper_results.yaml), to set beside measured tables."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field


class PaperRow(BaseModel):
    """One published row, addressed by the task, table and group it compares with."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task: str
    table: str
    group: str
    label: str
    values: dict[str, float]
    text: dict[str, str] = Field(
        default_factory=dict, description="how to print a value, e.g. a range"
    )


@cache
def paper_rows() -> tuple[PaperRow, ...]:
    text = resources.files("comco").joinpath("data/paper_results.yaml").read_text()
    return tuple(PaperRow.model_validate(r) for r in yaml.safe_load(text)["rows"])


def rows_for(task: str, table: str, group: str) -> list[PaperRow]:
    return [r for r in paper_rows() if (r.task, r.table, r.group) == (task, table, group)]
