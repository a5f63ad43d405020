"""The analyze report's first-mention plot: chance drawn over the data, and no matplotlib
warning (an empty legend) when no caption names two or more categories."""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
from matplotlib.collections import LineCollection

from comco.analyze.plots import NO_ROWS, first_mention_figure
from comco.eval.results import Cell, Row, Table


def table(rows: dict[str, list[float]]) -> Table:
    built = [
        Row(group=g, n_images=5, n_queries=5,
            cells={f"rank{i}": Cell(pct=v, lo=v, hi=v) for i, v in enumerate(values, start=1)})
        for g, values in rows.items()
    ]  # fmt: skip
    columns = [f"rank{i}" for i in range(1, 1 + max((len(v) for v in rows.values()), default=0))]
    return Table(name="first", title="t", unit="%", columns=columns, rows=built)


def test_the_k2_chance_line_is_drawn_over_a_data_line_through_it() -> None:
    fig = first_mention_figure(table({"k=2": [50.0, 50.0], "k=3": [60.0, 30.0, 10.0]}))
    ax = fig.axes[0]
    chance = [c for c in ax.collections if isinstance(c, LineCollection) and
              c.get_label().startswith("chance")]  # fmt: skip
    assert [c.get_label() for c in chance] == ["chance 1/2", "chance 1/3"]
    (segment,) = chance[0].get_segments()
    assert segment[0][1] == segment[1][1] == 50.0 and segment[0][0] < 1 and segment[1][0] > 2
    data_z = max(line.get_zorder() for line in ax.get_lines())
    assert all(c.get_zorder() > data_z for c in chance)
    plt.close(fig)


def test_no_multi_object_caption_draws_a_note_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = first_mention_figure(table({}))
    assert NO_ROWS in [t.get_text() for t in fig.axes[0].texts]
    plt.close(fig)
