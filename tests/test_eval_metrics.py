"""Metric functions on hand-built embeddings and counts whose answers are known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comco.eval import metrics
from comco.eval.metrics import cosine, nearest, normalize, ratio_with_ci
from comco.eval.results import Tally


def test_nearest_uses_cosine_not_length() -> None:
    candidates = np.array([[1.0, 0.0], [0.0, 1.0], [10.0, 10.0]])
    queries = np.array([[5.0, 0.1], [0.05, 1.0], [3.0, 2.9]])
    assert nearest(queries, candidates).tolist() == [0, 1, 2]


def test_nearest_rejects_mismatched_widths() -> None:
    with pytest.raises(ValueError, match="width 3 != candidate width 2"):
        nearest(np.ones((1, 3)), np.ones((2, 2)))


def test_zero_vector_is_an_error() -> None:
    with pytest.raises(ValueError, match="zero vector"):
        normalize(np.zeros((1, 4)))


def test_cosine_rowwise() -> None:
    a = np.array([[1.0, 0.0], [1.0, 1.0]])
    b = np.array([[2.0, 0.0], [-1.0, -1.0]])
    assert cosine(a, b).tolist() == pytest.approx([1.0, -1.0])


def test_ratio_point_estimate_is_ratio_of_sums() -> None:
    # image 1: 3 of 4 captions hit pos1; image 2: 1 of 2.
    num = np.array([[3.0, 1.0], [1.0, 1.0]])
    den = np.array([[4.0, 4.0], [2.0, 2.0]])
    estimates = ratio_with_ci(num, den, n_boot=200)
    assert estimates[0].pct == pytest.approx(100 * 4 / 6)
    assert estimates[1].pct == pytest.approx(100 * 2 / 6)
    for e in estimates:
        assert e.lo <= e.pct <= e.hi


def test_identical_images_give_zero_width_interval() -> None:
    num = np.tile([[2.0, 1.0, 1.0]], (30, 1))
    den = np.full((30, 3), 4.0)
    for e, expected in zip(ratio_with_ci(num, den), [50.0, 25.0, 25.0], strict=True):
        assert (e.pct, e.lo, e.hi) == pytest.approx((expected, expected, expected))


def test_interval_shrinks_with_more_images() -> None:
    rng = np.random.default_rng(1)
    widths = []
    for n in (20, 2000):
        hits = rng.integers(0, 2, size=(n, 1)).astype(float)
        (e,) = ratio_with_ci(hits, np.ones((n, 1)), n_boot=400)
        widths.append(e.hi - e.lo)
    assert widths[1] < widths[0] / 3


def test_empty_column_is_nan() -> None:
    (e,) = ratio_with_ci(np.zeros((3, 1)), np.zeros((3, 1)), n_boot=50)
    assert math.isnan(e.pct)


def test_chunked_resampling_gives_the_same_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    num = rng.integers(0, 3, size=(101, 2)).astype(float)
    den = num + rng.integers(0, 3, size=(101, 2))
    whole = ratio_with_ci(num, den, n_boot=300)
    monkeypatch.setattr(metrics, "_BOOT_ELEMENTS", 7 * len(num))  # 43 chunks of 7
    assert ratio_with_ci(num, den, n_boot=300) == whole


def test_ratio_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="equal 2-D"):
        ratio_with_ci(np.ones((2, 2)), np.ones((2, 3)))


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 5), min_size=3, max_size=3), min_size=1, max_size=20),
)
def test_shares_of_one_query_set_sum_to_100(hits: list[list[int]]) -> None:
    num = np.array(hits, dtype=float)
    totals = num.sum(axis=1, keepdims=True)
    if totals.sum() == 0:
        return
    den = np.repeat(totals, 3, axis=1)
    estimates = ratio_with_ci(num, den, n_boot=20)
    assert sum(e.pct for e in estimates) == pytest.approx(100.0)


def test_tally_groups_sort_by_count_and_union_columns() -> None:
    tally = Tally()
    tally.add_image("10 objects", ["pos1", "none"], {"pos1": 1.0}, {"pos1": 1.0, "none": 1.0}, 1)
    tally.add_image("2 objects", ["pos1", "pos2"], {"pos2": 2.0}, {"pos1": 2.0, "pos2": 2.0}, 2)
    table = tally.table("t", "title", "%", n_boot=10, seed=0)
    assert [r.group for r in table.rows] == ["2 objects", "10 objects"]
    assert table.columns == ["pos1", "pos2", "none"]
    assert table.rows[0].cells["pos2"].pct == 100.0
    assert table.rows[0].n_queries == 2


def test_tally_refuses_changing_columns_within_a_group() -> None:
    tally = Tally()
    tally.add_image("g", ["a"], {}, {"a": 1.0}, 1)
    with pytest.raises(ValueError, match="group 'g'"):
        tally.add_image("g", ["a", "b"], {}, {"a": 1.0, "b": 1.0}, 1)
