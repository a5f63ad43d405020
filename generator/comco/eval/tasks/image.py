"""IOR, IOR-own and I2TOR: which object of a multi-object image its embedding is nearest to.

The retrieved category is tied to the image's objects by category id, then reported by the
object's size role (as placed) and by its measured size rank (1 = most visible pixels).
"""

from __future__ import annotations

import numpy as np

from comco.annotate.annotation import ObjectAnnotation
from comco.captions.plain import single_object_captions
from comco.core.catalog import load_vocabulary
from comco.core.spec import SizeRole
from comco.eval.dataset import Record
from comco.eval.metrics import nearest
from comco.eval.results import Retrieval, Table, Tally, TaskResult
from comco.eval.tasks.context import EvalContext, configuration

ROLE_COLUMNS = [SizeRole.large.value, SizeRole.small.value, SizeRole.same.value, "none"]


def retrieved_object(record: Record, category: str) -> ObjectAnnotation | None:
    """The object of that category (the most visible one if it repeats), or None."""
    matches = [o for o in record.annotation.objects if o.category == category]
    return min(matches, key=lambda o: o.size_rank) if matches else None


def _tables(
    context: EvalContext, records: list[Record], choices: list[str], restrict: bool, what: str
) -> list[Table]:
    by_rank, by_role = Tally(), Tally()
    for record, choice in zip(records, choices, strict=True):
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


def covered_records(context: EvalContext) -> tuple[list[Record], list[str]]:
    """Images whose every object has a gallery image, and a note naming what was left out.

    A gallery render can fail its quality gate; its category's images are then left out of
    the gallery tasks (visibly) rather than scored against a gallery lacking the answer.
    """
    kept, lacking = [], set()
    for record in context.dataset.records:
        missing = {o.category for o in record.annotation.objects} - context.dataset.gallery.keys()
        lacking |= missing
        if not missing:
            kept.append(record)
    if not kept:
        context.dataset.gallery_for(sorted(lacking))  # raises, naming the categories
    left_out = len(context.dataset.records) - len(kept)
    notes = (
        [f"{left_out} images left out: no gallery image for {sorted(lacking)}."] if left_out else []
    )
    return kept, [*notes, "Intervals: 95% bootstrap over images."]


def _by_preset(records: list[Record]) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for i, record in enumerate(records):
        rows.setdefault(record.annotation.spec.vocab, []).append(i)
    return rows


def _retrieve(
    records: list[Record], queries: np.ndarray, targets: dict[str, tuple[list[str], np.ndarray]]
) -> list[str]:
    """Nearest target category per image; `targets` maps a preset to (ids, vectors)."""
    choices: dict[int, str] = {}
    for preset, rows in _by_preset(records).items():
        ids, vectors = targets[preset]
        choices.update(zip(rows, (ids[j] for j in nearest(queries[rows], vectors)), strict=True))
    return [choices[i] for i in range(len(records))]


def ior(context: EvalContext) -> TaskResult:
    """IOR: nearest single-object reference image over the preset's whole gallery."""
    records, notes = covered_records(context)
    vocabulary = load_vocabulary()
    targets = {}
    for preset in _by_preset(records):
        ids = [c for c in vocabulary.presets[preset] if c in context.dataset.gallery]
        targets[preset] = (ids, context.encoder.encode_images(context.dataset.gallery_for(ids)))
    queries = context.encoder.encode_images([r.image_path for r in records])
    sizes = "/".join(sorted({str(len(ids)) for ids, _ in targets.values()}))
    choices = _retrieve(records, queries, targets)
    return TaskResult(
        task="ior",
        model=context.model,
        tables=_tables(context, records, choices, False, f"{sizes} gallery images"),
        notes=notes,
        retrievals=image_retrievals(records, choices),
    )


def image_retrievals(records: list[Record], choices: list[str]) -> list[Retrieval]:
    return [
        Retrieval(id=r.annotation.id, query="image", retrieved=c)
        for r, c in zip(records, choices, strict=True)
    ]


def ior_own(context: EvalContext) -> TaskResult:
    """IOR restricted to the gallery images of the image's own objects (zero-shot; the trained
    IOC is `ioc`)."""
    records, notes = covered_records(context)
    used = sorted({o.category for r in records for o in r.annotation.objects})
    gallery = dict(
        zip(used, context.encoder.encode_images(context.dataset.gallery_for(used)), strict=True)
    )
    queries = context.encoder.encode_images([r.image_path for r in records])
    choices = []
    for query, record in zip(queries, records, strict=True):
        own = [o.category for o in record.annotation.objects]
        choices.append(own[int(nearest(query[None], np.stack([gallery[c] for c in own]))[0])])
    what = "the image's own objects' gallery images"
    return TaskResult(
        task="ior_own",
        model=context.model,
        tables=_tables(context, records, choices, True, what),
        notes=notes,
        retrievals=image_retrievals(records, choices),
    )


def i2tor(context: EvalContext) -> TaskResult:
    """I2TOR: nearest single-object caption (the dataset's caption style) for each image."""
    records = context.dataset.records
    targets = {}
    for preset in _by_preset(records):
        captions = single_object_captions(preset, context.annotation_style)
        targets[preset] = (list(captions), context.encoder.encode_text(list(captions.values())))
    queries = context.encoder.encode_images([r.image_path for r in records])
    choices = _retrieve(records, queries, targets)
    return TaskResult(
        task="i2tor",
        model=context.model,
        tables=_tables(context, records, choices, False, "all single-object captions"),
        notes=["Intervals: 95% bootstrap over images."],
        retrievals=image_retrievals(records, choices),
    )
