"""Image-text matching in two caption orders (the paper's Table 6).

Each pair holds a true caption and a false one (an absent category swapped in). 'helpful'
names the large object first in the true caption; 'adversarial' names it last, and puts it
first in the false one. A model that reads mostly the first-named object passes the first
and fails the second.
"""

from __future__ import annotations

from comco.eval.metrics import cosine
from comco.eval.results import Tally, TaskResult
from comco.eval.tasks.context import EvalContext


def itm(context: EvalContext) -> TaskResult:
    """Share of pairs where the image is nearer the true caption than the false one."""
    records = [r for r in context.dataset.records if r.annotation.captions.itm]
    if not records:
        return TaskResult(
            task="itm",
            model=context.model,
            tables=[],
            notes=["No image carries captions.itm pairs (they need exactly one large object)."],
        )
    images = context.encoder.encode_images([r.image_path for r in records])
    pairs = [(i, p) for i, r in enumerate(records) for p in r.annotation.captions.itm]
    positives = context.encoder.encode_text([p.positive.text for _, p in pairs])
    negatives = context.encoder.encode_text([p.negative for _, p in pairs])
    rows = [i for i, _ in pairs]
    correct = cosine(images[rows], positives) > cosine(images[rows], negatives)
    per_image: dict[tuple[int, str], list[bool]] = {}
    for (i, pair), ok in zip(pairs, correct, strict=True):
        per_image.setdefault((i, pair.scenario), []).append(bool(ok))
    tally = Tally()
    for (_, scenario), outcomes in per_image.items():
        tally.add_image(
            scenario,
            ["correct"],
            {"correct": sum(outcomes)},
            {"correct": len(outcomes)},
            len(outcomes),
        )
    table = tally.table(
        "accuracy",
        "Image nearer the true caption than the false one, by caption order",
        "% of pairs",
        context.n_boot,
        context.seed,
    )
    return TaskResult(
        task="itm",
        model=context.model,
        tables=[table],
        notes=["Intervals: 95% bootstrap over images."],
    )
