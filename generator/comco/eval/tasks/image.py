"""IOR, IOC and I2TOR: which object of a multi-object image its embedding is nearest to.

The retrieved category is tied to the image's objects by category id, then reported by the
object's size role (as placed) and by its measured size rank (1 = most visible pixels).
"""

from __future__ import annotations

import numpy as np

from comco.annotations import ObjectAnnotation
from comco.captions import single_object_captions
from comco.eval.dataset import Record
from comco.eval.metrics import nearest
from comco.eval.results import Table, Tally, TaskResult
from comco.eval.tasks.context import EvalContext, configuration
from comco.spec import SizeRole

ROLE_COLUMNS = [SizeRole.large.value, SizeRole.small.value, SizeRole.same.value, "none"]


def retrieved_object(record: Record, category: str) -> ObjectAnnotation | None:
    """The object of that category (the most visible one if it repeats), or None."""
    matches = [o for o in record.annotation.objects if o.category == category]
    return min(matches, key=lambda o: o.size_rank) if matches else None


def _tables(context: EvalContext, choices: list[str], restrict: bool, what: str) -> list[Table]:
    by_rank, by_role = Tally(), Tally()
    for record, choice in zip(context.dataset.records, choices, strict=True):
        group = configuration(record)
        k = record.n_objects
        hit = retrieved_object(record, choice)
        rank_columns = [f"rank{i}" for i in range(1, k + 1)] + ([] if restrict else ["none"])
        rank_hit = f"rank{hit.size_rank}" if hit else "none"
        by_rank.add_image(group, rank_columns, {rank_hit: 1.0}, dict.fromkeys(rank_columns, 1.0), 1)
        roles = sorted(
            {o.size_role.value for o in record.annotation.objects}, key=ROLE_COLUMNS.index
        )
        role_columns = roles + ([] if restrict else ["none"])
        role_hit = hit.size_role.value if hit else "none"
        by_role.add_image(group, role_columns, {role_hit: 1.0}, dict.fromkeys(role_columns, 1.0), 1)
    return [
        by_rank.table(
            "by_size_rank",
            f"Object retrieved from {what}, by measured size rank (1 = largest visible area)",
            "% of images",
            context.n_boot,
            context.seed,
        ),
        by_role.table(
            "by_size_role",
            f"Object retrieved from {what}, by size role as placed",
            "% of images",
            context.n_boot,
            context.seed,
        ),
    ]


def _candidate_categories(context: EvalContext, preset: str) -> list[str]:
    """Gallery categories of the preset; every category the images use must be among them."""
    from comco.catalog import load_vocabulary

    used = sorted({o.category for r in context.dataset.records for o in r.annotation.objects})
    context.dataset.gallery_for(used)
    return [c for c in load_vocabulary().presets[preset] if c in context.dataset.gallery]


def _presets(context: EvalContext) -> list[str]:
    return sorted({r.annotation.spec.vocab for r in context.dataset.records})


def _rows_of(context: EvalContext, preset: str) -> list[int]:
    return [i for i, r in enumerate(context.dataset.records) if r.annotation.spec.vocab == preset]


def _image_queries(context: EvalContext) -> np.ndarray:
    return context.encoder.encode_images([r.image_path for r in context.dataset.records])


def ior(context: EvalContext) -> TaskResult:
    """IOR: nearest single-object reference image over the whole gallery of the preset."""
    queries = _image_queries(context)
    choices: dict[int, str] = {}
    sizes = set()
    for preset in _presets(context):
        categories = _candidate_categories(context, preset)
        sizes.add(len(categories))
        vectors = context.encoder.encode_images(context.dataset.gallery_for(categories))
        rows = _rows_of(context, preset)
        choices.update(
            zip(rows, (categories[j] for j in nearest(queries[rows], vectors)), strict=True)
        )
    ordered = [choices[i] for i in range(len(context.dataset.records))]
    what = f"{'/'.join(map(str, sorted(sizes)))} gallery images"
    return TaskResult(
        task="ior",
        model=context.model,
        tables=_tables(context, ordered, restrict=False, what=what),
        notes=["Intervals: 95% bootstrap over images."],
    )


def ioc(context: EvalContext) -> TaskResult:
    """IOC: the same images, classified among the gallery images of their own objects."""
    queries = _image_queries(context)
    used = sorted({o.category for r in context.dataset.records for o in r.annotation.objects})
    gallery = dict(
        zip(used, context.encoder.encode_images(context.dataset.gallery_for(used)), strict=True)
    )
    choices = []
    for i, record in enumerate(context.dataset.records):
        own = [o.category for o in record.annotation.objects]
        vectors = np.stack([gallery[c] for c in own])
        choices.append(own[int(nearest(queries[i : i + 1], vectors)[0])])
    return TaskResult(
        task="ioc",
        model=context.model,
        tables=_tables(
            context, choices, restrict=True, what="the image's own objects' gallery images"
        ),
        notes=["Intervals: 95% bootstrap over images."],
    )


def i2tor(context: EvalContext) -> TaskResult:
    """I2TOR: nearest single-object caption (the dataset's caption style) for each image."""
    queries = _image_queries(context)
    choices: dict[int, str] = {}
    for preset in _presets(context):
        targets = single_object_captions(preset, context.annotation_style)
        ids = list(targets)
        vectors = context.encoder.encode_text(list(targets.values()))
        rows = _rows_of(context, preset)
        choices.update(zip(rows, (ids[j] for j in nearest(queries[rows], vectors)), strict=True))
    ordered = [choices[i] for i in range(len(context.dataset.records))]
    return TaskResult(
        task="i2tor",
        model=context.model,
        tables=_tables(context, ordered, restrict=False, what="all single-object captions"),
        notes=["Intervals: 95% bootstrap over images."],
    )
