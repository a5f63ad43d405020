"""`comco eval` says up front how many caption orders its text tasks will embed."""

from pathlib import Path

from comco.eval.dataset import load_dataset
from comco.eval.workload import caption_order_note
from support.scenes import binding_dataset, eval_dataset


def test_many_caption_orders_are_announced(tmp_path: Path) -> None:
    six = load_dataset(binding_dataset(tmp_path / "six", 3, objects=6))
    note = caption_order_note(six, ["tor", "binding"])
    assert caption_order_note(six, ["binding", "ioc"]) is None  # they embed one caption each
    n = len(six.records)
    assert n >= 2 and note is not None
    assert f"{n} scenes of 6 objects: {720 * n}" in note and f"{720 * n} in all" in note
    assert caption_order_note(load_dataset(eval_dataset(tmp_path / "few", 6)), ["tor"]) is None
