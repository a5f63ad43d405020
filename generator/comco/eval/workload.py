"""What a text task will embed, said before it starts: scenes of k objects carry k! caption
orders (719 sampled ones beside the spec's past 6), so a few six-object scenes can cost
minutes of text encoding."""

from __future__ import annotations

from collections import Counter

from comco.eval.dataset import EvalDataset

LARGE_ORDER_COUNT = 1000  # below this, encoding is quick enough to need no warning
EVERY_ORDER_TASKS = frozenset({"tor", "tor_paper", "tor_own", "tor_sum", "tor_long", "tor_size"})


def caption_order_note(dataset: EvalDataset, tasks: list[str]) -> str | None:
    """One line naming how many caption orders the chosen tasks embed, when there are many."""
    running = sorted(EVERY_ORDER_TASKS & set(tasks))
    if not running:
        return None
    per_k: Counter[int] = Counter()
    scenes: Counter[int] = Counter()
    for record in dataset.records:
        if record.store is not None:
            per_k[record.n_objects] += record.n_orders
            scenes[record.n_objects] += 1
    total = sum(per_k.values())
    if total < LARGE_ORDER_COUNT:
        return None
    parts = ", ".join(f"{scenes[k]} scenes of {k} objects: {per_k[k]}" for k in sorted(per_k))
    return (
        f"note: {', '.join(running)} {'embeds' if len(running) == 1 else 'embed'} every "
        f"caption order, {total} in all ({parts}); "
        "use --limit or fewer tasks for a quick look"
    )
