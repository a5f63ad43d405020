"""The eval report's bar plots, rendered and measured: the title lies inside the figure, the
legend does not cover the bars, chance is a line in its own panel, a published range is a
floating bar and an all-zero table keeps a readable y-axis."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from comco.eval.paper import rows_for
from comco.eval.plots import plot_table, table_figure
from comco.eval.results import Cell, Row, Table


def row(group: str, values: dict[str, float], n: int = 10) -> Row:
    cells = {c: Cell(pct=v, lo=max(0.0, v - 5), hi=min(100.0, v + 5)) for c, v in values.items()}
    return Row(group=group, n_images=n, n_queries=n, cells=cells)


def table(rows: list[Row], title: str = "Short title", name: str = "t", **extra) -> Table:
    columns = list(dict.fromkeys(c for r in rows for c in r.cells))
    return Table(name=name, title=title, unit="% of pairs", columns=columns, rows=rows, **extra)


def drawn(fig: Figure) -> Figure:
    fig.canvas.draw()
    return fig


def inside(inner: Bbox, outer: Bbox) -> bool:
    return (inner.x0 >= outer.x0 - 0.5 and inner.y0 >= outer.y0 - 0.5
            and inner.x1 <= outer.x1 + 0.5 and inner.y1 <= outer.y1 + 0.5)  # fmt: skip


def chance_lines(fig: Figure) -> list[LineCollection]:
    return [c for ax in fig.axes for c in ax.collections
            if isinstance(c, LineCollection) and c.get_label() == "chance"]  # fmt: skip


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_a_long_single_panel_title_stays_inside_the_figure() -> None:
    long_title = (
        "Own caption among all 771 captions and negatives of the set (chance R@1 0.13 %, "
        "R@5 0.65 %); reverse: the top caption is an attribute swap of the image's own"
    )
    fig = drawn(table_figure(table([row("2 objects", {"R@1": 3.0})], long_title), "binding", "m"))
    renderer = fig.canvas.get_renderer()
    title = fig._suptitle.get_window_extent(renderer)
    assert inside(title, fig.bbox)
    for ax in fig.axes:
        assert inside(ax.title.get_window_extent(renderer), fig.bbox)


def test_chance_rows_are_lines_over_their_own_panel() -> None:
    rows = [row("3 objects", {"pos1": 40.0, "pos2": 20.0}),
            row("3 objects, chance", {"pos1": 13.3, "pos2": 13.3})]  # fmt: skip
    fig = drawn(table_figure(table(rows), "toc", "m"))
    assert len(fig.axes) == 1  # the chance row is no panel of its own
    (lines,) = chance_lines(fig)
    assert [segment[0][1] for segment in lines.get_segments()] == [13.3, 13.3]
    assert lines.get_zorder() > max(p.get_zorder() for p in fig.axes[0].patches)


def test_a_table_chance_is_drawn_and_the_legend_covers_no_bars() -> None:
    rows = [row("2 objects", {"attribute_swap": 60.0, "object_swap": 55.0}),
            row("3 objects", {"attribute_swap": 52.0, "object_swap": 49.0})]  # fmt: skip
    fig = drawn(table_figure(table(rows, chance={"attribute_swap": 50.0, "object_swap": 50.0}),
                             "binding", "m"))  # fmt: skip
    assert len(chance_lines(fig)) == 2
    renderer = fig.canvas.get_renderer()
    (legend,) = fig.legends
    box = legend.get_window_extent(renderer)
    assert inside(box, fig.bbox)
    assert not any(box.overlaps(ax.get_window_extent(renderer)) for ax in fig.axes)


def test_an_all_zero_table_starts_at_zero() -> None:
    fig = table_figure(table([row("2 objects", {"pos1": 0.0, "pos2": 0.0})]), "tor", "m")
    low, high = fig.axes[0].get_ylim()
    assert low == 0 and high >= 10


def test_the_papers_range_is_a_floating_bar() -> None:
    rows = [row("scenario 2: large last", {"correct": 30.0})]
    fig = drawn(table_figure(table(rows, name="accuracy"), "itm", "m"))
    bars = {round(p.get_y(), 1): round(p.get_height(), 1) for p in fig.axes[0].patches}
    assert bars[47.0] == 25.0  # from 47 to 72, not one bar at 47


def test_plot_table_writes_a_png(tmp_path: Path) -> None:
    path = plot_table(table([row("2 objects", {"pos1": 1.0})]), "tor", "m", tmp_path / "p.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_a_legend_of_long_paper_labels_stays_inside_a_single_panel_figure() -> None:
    rows = [row("4 objects", {"pos1": 50.0, "pos2": 20.0, "pos3": 15.0, "pos4": 10.0})]
    fig = drawn(table_figure(table(rows, name="correct_top_n"), "tor_list", "m"))
    renderer = fig.canvas.get_renderer()
    (legend,) = fig.legends
    papers = rows_for("tor_list", "correct_top_n", "4 objects")
    assert len(papers) >= 2 and len(legend.get_texts()) == 1 + len(papers)  # ours, then theirs
    box = legend.get_window_extent(renderer)
    assert inside(box, fig.bbox) and box.x0 >= 10 and box.x1 <= fig.bbox.x1 - 10


def test_an_empty_column_gets_no_slot_and_the_title_names_the_vocabulary() -> None:
    rows = [row("2 objects", {"attribute_swap": 60.0, "object_swap": math.nan,
                              "attribute_replace": 40.0})]  # fmt: skip
    chance = {"attribute_swap": 50.0, "object_swap": 50.0, "attribute_replace": 50.0}
    fig = drawn(table_figure(table(rows, chance=chance), "binding", "m",
                             heading="binding, simco18 images"))  # fmt: skip
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert ticks == ["attribute_swap", "attribute_replace"]
    assert fig._suptitle.get_text().startswith("binding, simco18 images: ")
