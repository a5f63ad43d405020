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
from comco.eval.dataset import ANNOTATION, EvalRecord
from comco.eval.metrics import nearest, normalize
from comco.eval.results import Retrieval, Table, Tally, TaskResult
from comco.eval.tasks.context import EvalContext
from comco.eval.top_n import SlotTables, ranked

ROLE_COLUMNS = [SizeRole.large.value, SizeRole.small.value, SizeRole.same.value, "none"]


def retrieved_object(record: EvalRecord, category: str) -> ObjectAnnotation | None:
    """The object of that category (the most visible one if it repeats), or None."""
    matches = [o for o in record.annotation.objects if o.category == category]
    return min(matches, key=lambda o: o.size_rank) if matches else None


def _tables(
    context: EvalContext, records: list[EvalRecord], choices: list[str], restrict: bool, what: str
) -> list[Table]:
    """By measured size rank and by size role as placed (`restrict`: no 'none' column)."""
    by_rank = Tally()
    for record, choice in zip(records, choices, strict=True):
        hit = retrieved_object(record, choice)
        columns = [f"rank{i}" for i in range(1, record.n_objects + 1)]
        columns += [] if restrict else ["none"]
        rank_hit = f"rank{hit.size_rank}" if hit else "none"
        by_rank.add_image(record.config, columns, {rank_hit: 1.0}, dict.fromkeys(columns, 1.0), 1)
    rank_table = by_rank.table(
        "by_size_rank",
        f"Object retrieved from {what}, by measured size rank (1 = largest visible area)",
        "% of images",
        context.n_boot,
        context.seed,
    )
    return [rank_table, _role_table(context, records, choices, restrict, what)]


def _role_table(
    context: EvalContext, records: list[EvalRecord], choices: list[str], restrict: bool, what: str
) -> Table:
    by_role = Tally()
    for record, choice in zip(records, choices, strict=True):
        hit = retrieved_object(record, choice)
        roles = sorted(
            {o.size_role.value for o in record.annotation.objects}, key=ROLE_COLUMNS.index
        )
        columns = roles + ([] if restrict else ["none"])
        role_hit = hit.size_role.value if hit else "none"
        by_role.add_image(record.config, columns, {role_hit: 1.0}, dict.fromkeys(columns, 1.0), 1)
    return by_role.table(
        "by_size_role",
        f"Object retrieved from {what}, by size role as placed",
        "% of images",
        context.n_boot,
        context.seed,
    )


def covered_records(context: EvalContext) -> tuple[list[EvalRecord], list[str]]:
    """Images whose every object has a gallery image, and a note naming what was left out.

    A gallery render can fail its quality gate; its category's images are then left out of
    the gallery tasks (visibly) rather than scored against a gallery lacking the answer.
    """
    kept, lacking = [], set()
    for record in context.dataset.records:
        missing = set(record.categories) - context.dataset.gallery.keys()
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


def _by_preset(records: list[EvalRecord]) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for i, record in enumerate(records):
        rows.setdefault(record.vocab, []).append(i)
    return rows


def _retrieve(
    records: list[EvalRecord], queries: np.ndarray, targets: dict[str, tuple[list[str], np.ndarray]]
) -> list[str]:
    """Nearest target category per image; `targets` maps a preset to (ids, vectors)."""
    choices: dict[int, str] = {}
    for preset, rows in _by_preset(records).items():
        ids, vectors = targets[preset]
        choices.update(zip(rows, (ids[j] for j in nearest(queries[rows], vectors)), strict=True))
    return [choices[i] for i in range(len(records))]


def ior(context: EvalContext) -> TaskResult:
    """IOR: each image against the preset's whole gallery. Both of the paper's figures
    (`comco.eval.top_n`), by measured size rank where the images are annotated, else by
    file-name slot; annotated images also by size role as placed."""
    records, notes = covered_records(context)
    vocabulary = load_vocabulary()
    targets = {}
    for preset in _by_preset(records):
        ids = [c for c in vocabulary.presets[preset] if c in context.dataset.gallery]
        vectors = context.encoder.encode_images(context.dataset.gallery_for(ids))
        targets[preset] = (ids, normalize(vectors))
    queries = normalize(context.encoder.encode_images([r.image_path for r in records]))
    annotated = ANNOTATION in context.dataset.fields
    slots, choices = SlotTables("rank" if annotated else "slot"), []
    for record, query in zip(records, queries, strict=True):
        ids, vectors = targets[record.vocab]
        own = list(dict.fromkeys(record.categories))
        top1, top_n = ranked(vectors @ query, len(own))
        correct = {ids[i] for i in top_n} <= set(own)
        chosen = ids[top1]
        choices.append(chosen)
        if annotated:
            hit = retrieved_object(record, chosen)
            slot = hit.size_rank - 1 if hit else None
        else:
            slot = record.categories.index(chosen) if chosen in record.categories else None
        slots.add(record.config, record.n_objects, slot, correct)
    sizes = "/".join(sorted({str(len(ids)) for ids, _ in targets.values()}))
    what = f"{sizes} gallery images"
    by = "size_rank" if annotated else "name_slot"
    every, conditional = slots.tables(what, by, "% of images", context.n_boot, context.seed)
    tables = [every]
    if annotated:
        tables.append(_role_table(context, records, choices, False, what))
    else:
        notes.append("Rows are the release's configuration folders; slot 1 is the first name.")
    return TaskResult(
        task="ior",
        model=context.model,
        tables=[*tables, conditional],
        notes=notes + slots.notes(),
        retrievals=image_retrievals(records, choices),
    )


def image_retrievals(records: list[EvalRecord], choices: list[str]) -> list[Retrieval]:
    return [
        Retrieval(id=r.id, query="image", retrieved=c)
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
