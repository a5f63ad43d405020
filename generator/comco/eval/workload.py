"""What a text task will embed, said before it starts: scenes of k objects carry k! caption
orders (719 sampled ones beside the spec's past 6), so a few six-object scenes can cost
minutes of text encoding."""

from __future__ import annotations

from collections import Counter

from comco.eval.dataset import EvalDataset

LARGE_ORDER_COUNT = 1000  # below this, encoding is quick enough to need no warning


def caption_order_note(dataset: EvalDataset) -> str | None:
    """One line naming how many caption orders the text tasks embed, when there are many."""
    per_k: Counter[int] = Counter()
    scenes: Counter[int] = Counter()
    for record in dataset.records:
        if record.annotation is not None:
            k = len(record.annotation.objects)
            per_k[k] += len(record.annotation.captions.orders)
            scenes[k] += 1
    total = sum(per_k.values())
    if total < LARGE_ORDER_COUNT:
        return None
    parts = ", ".join(f"{scenes[k]} scenes of {k} objects: {per_k[k]}" for k in sorted(per_k))
    return (
        f"note: text tasks embed every caption order, {total} in all ({parts}); "
        "use --limit or fewer tasks for a quick look"
    )
