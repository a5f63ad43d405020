"""The trained probes: the ComCO paper's TOC and IOC and LABCLIP's uni-modal colour probe.

A linear head per slot is trained on frozen (cached) embeddings and tested on scenes it never
saw; per-slot test accuracy shows which objects the embedding keeps readable. TOC slots are
caption positions; IOC and image colour slots are measured size ranks (1 = most visible).
Scenes holding a held-out (attribute, category) pair (spec.split == 'test') are always test.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from comco.eval.dataset import ANNOTATION, EvalRecord
from comco.eval.probes.linear import IOC, IOC_PAPER, LABCLIP, MISSING, TOC, ProbeConfig
from comco.eval.probes.protocol import SeedOutcome, run_slot_probe
from comco.eval.probes.splits import FRACTIONS
from comco.eval.probes.tables import masked_rows, slot_rows, split_notes
from comco.eval.results import Row, Table, TaskResult
from comco.eval.tasks.context import EvalContext

IOC_SPLIT = (0.8, 0.0, 0.2)  # IOC.py: random_split 80/20, no validation
MAX_ORDERS = 24  # caption orders per scene a text probe uses (5 objects have 120)
MIN_TRAIN_SCENES = 4  # scenes outside the held-out test split a group needs to be probed
LEFT_OUT = "left out"  # marks the notes that say why a group was not probed


@dataclass
class Samples:
    """Probe inputs of one group: one row per sample, labels (n, slots) with MISSING gaps."""

    scene_ids: list[str] = field(default_factory=list)
    inputs: list = field(default_factory=list)  # texts or image paths
    labels: list[list[int]] = field(default_factory=list)
    roles: list[list[str]] = field(default_factory=list)

    def add(self, scene: str, item: object, labels: list[int], roles: Sequence[str] = ()) -> None:
        self.scene_ids.append(scene)
        self.inputs.append(item)
        self.labels.append(labels)
        self.roles.append(list(roles))

    def label_array(self) -> np.ndarray:
        width = max(len(row) for row in self.labels)
        return np.array([row + [MISSING] * (width - len(row)) for row in self.labels])


def seeds(context: EvalContext) -> list[int]:
    return [context.seed + i for i in range(context.probe_seeds)]


Unit = Callable[[EvalRecord], str]


def scene_unit(record: EvalRecord) -> str:
    """Split by scene: a scene's samples share a split."""
    return record.annotation.spec.id if record.annotation else str(record.image_path)


def content_unit(record: EvalRecord) -> str:
    """Split by content (which coloured objects a scene holds): scenes that could be captioned
    with the same text share a split, so no caption text is both trained and tested on."""
    return "|".join(
        sorted(f"{o.color_name or ''} {o.category}" for o in record.annotation.spec.objects)
    )


def held_out(records: list[EvalRecord], split: str = "test", unit: Unit = scene_unit) -> set[str]:
    """Units of the scenes the binding data keeps out of training: 'test' (an
    attribute-category pair unseen in training) or 'val' (one kept for validation)."""
    return {unit(r) for r in records if r.annotation and r.annotation.spec.split == split}


def colour_names(records: list[EvalRecord]) -> list[str]:
    """The colour words of the dataset, or a NotImplementedError (recorded as skipped)."""
    names = {o.color_name for r in records for o in r.annotation.spec.objects}
    if None in names or not names:
        raise NotImplementedError(
            "colour probes need every object to carry a colour (spec color_name); render a "
            "binding dataset (comco suite --binding)"
        )
    return sorted(names)


def _probe(
    context: EvalContext,
    samples: Samples,
    vectors: np.ndarray,
    n_classes: int,
    config: ProbeConfig,
    records: list[EvalRecord],
    unit: Unit = scene_unit,
    fractions: tuple[float, float, float] = FRACTIONS,
) -> list[SeedOutcome]:
    return run_slot_probe(
        vectors, samples.label_array(), samples.scene_ids, n_classes, config, seeds(context),
        held_out(records, "test", unit), held_out(records, "val", unit), fractions,
    )  # fmt: skip


def too_few(
    samples: Samples, records: list[EvalRecord], label: str, unit: Unit = scene_unit
) -> str | None:
    """Why a group cannot be probed (a note for the report), or None when it can."""
    scenes = set(samples.scene_ids)
    trainable = len(scenes - held_out(records, "test", unit) - held_out(records, "val", unit))
    if trainable >= MIN_TRAIN_SCENES and len(scenes) >= MIN_TRAIN_SCENES + 1:
        return None
    return (
        f"{label}: {LEFT_OUT}, {len(scenes)} units ({trainable} outside the held-out test "
        f"and validation splits); a probe needs at least {MIN_TRAIN_SCENES + 1}, "
        f"{MIN_TRAIN_SCENES} of them trainable."
    )


def ensure_rows(rows: list[Row], notes: list[str]) -> None:
    """No group could be probed: the task is skipped with the reasons (not the method notes)."""
    if not rows:
        reasons = [n for n in notes if f": {LEFT_OUT}, " in n]
        raise NotImplementedError("too few scenes for any probe: " + " ".join(reasons))


def _slot_table(name: str, title: str, unit: str, rows: list[Row]) -> Table:
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row.cells if c not in columns]
    return Table(name=name, title=title, unit=unit, columns=columns, rows=rows)


def _scene_orders(context: EvalContext, record: EvalRecord) -> list:
    orders = record.annotation.captions.orders
    if len(orders) <= MAX_ORDERS:
        return orders
    rng = np.random.default_rng([context.seed, record.annotation.spec.seed, 12])
    return [orders[i] for i in sorted(rng.choice(len(orders), MAX_ORDERS, replace=False))]


def _common_notes(context: EvalContext, config: ProbeConfig) -> list[str]:
    return [
        f"Heads: Linear(D, classes) per slot, {config.describe()}.",
        f"Cells: mean test accuracy over {context.probe_seeds} seeds (a new split and "
        "initialisation each) with its 95% t-interval over those seeds, not over test scenes "
        "(the test scenes are fixed where the data holds pairs out); the ', chance' row answers "
        "the train split's most common class. n images / n queries: test scenes / test samples "
        "(test objects in the size-role table), of the first seed.",
    ]


def toc(context: EvalContext) -> TaskResult:
    """TOC: per caption position, predict the object (and its colour, where objects carry
    one) named there from the caption's text embedding."""
    records = context.dataset.records
    categories = sorted({c for r in records for c in r.annotation.spec.categories})
    try:
        colours: list[str] | None = colour_names(records)
    except NotImplementedError:
        colours = None
    groups: dict[int, Samples] = defaultdict(Samples)
    colour_groups: dict[int, Samples] = defaultdict(Samples)
    for record in records:
        spec = record.annotation.spec
        unit = content_unit(record)
        for caption in _scene_orders(context, record):
            k = len(caption.order)
            groups[k].add(unit, caption.text, [categories.index(c) for c in caption.categories])
            if colours:
                names = [spec.objects[i].color_name for i in caption.order]
                colour_groups[k].add(unit, caption.text, [colours.index(n) for n in names])
    rows, colour_rows, notes = [], [], _common_notes(context, TOC)
    for k in sorted(groups):
        if reason := too_few(groups[k], records, f"{k} objects", content_unit):
            notes.append(reason)
            continue
        vectors = context.encoder.encode_text(groups[k].inputs)
        columns = [f"pos{j}" for j in range(1, k + 1)]
        outcomes = _probe(context, groups[k], vectors, len(categories), TOC, records, content_unit)
        rows += slot_rows(f"{k} objects", columns, outcomes)
        notes.append(split_notes(f"{k} objects", outcomes))
        if colours:
            outcomes = _probe(
                context, colour_groups[k], vectors, len(colours), TOC, records, content_unit
            )
            colour_rows += slot_rows(f"{k} objects", columns, outcomes)
    ensure_rows(rows, notes)
    tables = [
        _slot_table(
            "by_position",
            f"Object named at each caption position, predicted by a trained linear head "
            f"({len(categories)} classes)",
            "% of test captions",
            rows,
        )
    ]
    if colours:
        tables.append(
            _slot_table(
                "colour_by_position",
                f"Colour of the object named at each position ({len(colours)} classes)",
                "% of test captions",
                colour_rows,
            )
        )
    notes.insert(
        0,
        f"Captions: up to {MAX_ORDERS} orders per scene; split by content (scenes of the same "
        "coloured objects share a split), so no caption text is in both train and test.",
    )
    return TaskResult(task="toc", model=context.model, tables=tables, notes=notes)


def _by_rank(record: EvalRecord) -> list:
    return sorted(record.annotation.objects, key=lambda o: o.size_rank)


def ioc(context: EvalContext) -> TaskResult:
    """IOC: a head per file-name (spec) slot predicts the object's category from the image
    embedding, as the paper's IOC.py; on annotated images also comco's heads per measured size
    rank, pooled again by size role."""
    records = context.dataset.records
    categories = sorted({c for r in records for c in r.categories})
    notes = _common_notes(context, IOC_PAPER)
    slot_rows_: list[Row] = []
    by_config: dict[str, Samples] = defaultdict(Samples)
    for record in records:
        labels = [categories.index(c) for c in record.categories]
        by_config[record.config].add(scene_unit(record), record.image_path, labels)
    for group in sorted(by_config, key=lambda g: (g.split()[0], g)):
        samples = by_config[group]
        if reason := too_few(samples, records, group):
            notes.append(reason)
            continue
        vectors = context.encoder.encode_images(samples.inputs)
        outcomes = _probe(
            context, samples, vectors, len(categories), IOC_PAPER, records, fractions=IOC_SPLIT
        )
        k = samples.label_array().shape[1]
        slot_rows_ += slot_rows(group, [f"slot{j}" for j in range(1, k + 1)], outcomes)
        notes.append(split_notes(group, outcomes))
    ensure_rows(slot_rows_, notes)
    tables = [
        _slot_table(
            "by_name_slot",
            f"Category of the object in each file-name (spec) slot, predicted by a trained linear "
            f"head per slot ({len(categories)} classes)",
            "% of test images",
            slot_rows_,
        )
    ]
    if ANNOTATION in context.dataset.fields:
        rank_tables, rank_notes = _ioc_by_rank(context, categories)
        tables += rank_tables
        notes += rank_notes
    return TaskResult(task="ioc", model=context.model, tables=tables, notes=notes)


def _ioc_by_rank(context: EvalContext, categories: list[str]) -> tuple[list[Table], list[str]]:
    """comco's IOC: a head per measured size rank, and its accuracy by size role."""
    records = context.dataset.records
    groups: dict[str, Samples] = defaultdict(Samples)
    for record in records:
        objects = _by_rank(record)
        groups[record.config].add(
            record.annotation.spec.id,
            record.image_path,
            [categories.index(o.category) for o in objects],
            [o.size_role.value for o in objects],
        )
    rank_rows, role_rows = [], []
    notes = [f"by_size_rank / by_size_role: {IOC.describe()}, 60/20/20 split."]
    for group in sorted(groups, key=lambda g: (int(g.split()[0]), g)):
        samples = groups[group]
        if too_few(samples, records, group):
            continue
        vectors = context.encoder.encode_images(samples.inputs)
        outcomes = _probe(context, samples, vectors, len(categories), IOC, records)
        k = samples.label_array().shape[1]
        rank_rows += slot_rows(group, [f"rank{j}" for j in range(1, k + 1)], outcomes)
        roles = np.array(samples.roles)
        masks = {r: roles == r for r in ("large", "small", "same") if (roles == r).any()}
        role_rows += masked_rows(group, masks, outcomes)
    if not rank_rows:
        return [], notes
    return [
        _slot_table(
            "by_size_rank",
            f"Category of the object at each measured size rank, predicted by a trained linear "
            f"head per rank ({len(categories)} classes)",
            "% of test images",
            rank_rows,
        ),
        _slot_table(
            "by_size_role",
            "The same heads' accuracy pooled by the object's size role as placed",
            "% of test objects",
            role_rows,
        ),
    ], notes


def color_probe(context: EvalContext) -> TaskResult:
    """LABCLIP's uni-modal probe: per object slot, predict the object's colour from the image
    embedding (slots = size ranks) and from the caption's text embedding (slots = positions)."""
    records = context.dataset.records
    colours = colour_names(records)
    images: dict[int, Samples] = defaultdict(Samples)
    texts: dict[int, Samples] = defaultdict(Samples)
    for record in records:
        spec = record.annotation.spec
        k = record.n_objects
        ranked = [spec.objects[o.index].color_name for o in _by_rank(record)]
        images[k].add(spec.id, record.image_path, [colours.index(n) for n in ranked])
        caption = record.annotation.captions.orders[0]
        named = [spec.objects[i].color_name for i in caption.order]
        texts[k].add(spec.id, caption.text, [colours.index(n) for n in named])
    notes = [
        *_common_notes(context, LABCLIP),
        "Text: each scene's first caption order, with LABCLIP's head settings; toc's colour "
        f"table reads up to {MAX_ORDERS} orders per scene with the TOC settings, so the two "
        "position-1 figures measure the same slot on different samples and differ.",
    ]
    tables = []
    modalities = [("text", texts, "pos", context.encoder.encode_text)]
    if "image" in context.encoder.modalities:
        modalities.insert(0, ("image", images, "rank", context.encoder.encode_images))
    else:
        notes.append("Image probe not run: the model embeds text only.")
    for modality, groups, prefix, embed in modalities:
        rows = []
        for k in sorted(groups):
            if reason := too_few(groups[k], records, f"{modality}, {k} objects"):
                notes.append(reason)
                continue
            outcomes = _probe(
                context, groups[k], embed(groups[k].inputs), len(colours), LABCLIP, records
            )
            rows += slot_rows(f"{k} objects", [f"{prefix}{j}" for j in range(1, k + 1)], outcomes)
            notes.append(split_notes(f"{modality}, {k} objects", outcomes))
        ensure_rows(rows, notes)
        where = "size rank" if modality == "image" else "caption position"
        tables.append(
            _slot_table(
                f"{modality}_by_{'size_rank' if modality == 'image' else 'position'}",
                f"Colour of the object at each {where}, from the {modality} embedding "
                f"({len(colours)} colours)",
                f"% of test {'images' if modality == 'image' else 'captions'}",
                rows,
            )
        )
    return TaskResult(task="color_probe", model=context.model, tables=tables, notes=notes)
