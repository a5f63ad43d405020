"""LABCLIP's uni-modal binding probes (probing/clevr_probing.py): one linear probe per object
type, 'what colour is the cube?', trained on the frozen (unnormalised) embeddings of the scenes
that hold that type, and the test accuracy averaged over the types, for images and for texts.

A probe cannot answer from where an object sits in a caption or image: the object is found by
its type. The split is LABCLIP's: by combination (which coloured objects a scene holds), a
combination and its attribute swaps in one split, 80/10/10 train/val/test, so test scenes are
new combinations. The data's own held-out scenes (spec.split val or test: an attribute-category
pair never seen in training) are left out: under this protocol every test pair is seen.

comco's own `color_probe` keeps a head per caption position or size rank.
"""

from __future__ import annotations

import numpy as np

from comco.eval.dataset import EvalRecord
from comco.eval.probes.linear import LABCLIP
from comco.eval.probes.protocol import SeedOutcome, mean_cell, run_slot_probe
from comco.eval.results import Row, Table, TaskResult
from comco.eval.tasks.binding import binding_records
from comco.eval.tasks.context import EvalContext
from comco.eval.tasks.probes import MIN_TRAIN_SCENES, colour_names, seeds

MIN_COMBINATIONS = 2 * MIN_TRAIN_SCENES  # a type's probe needs this many to split 80/10/10

FRACTIONS = (0.8, 0.1, 0.1)  # LABCLIP's train_val_test_split: 10 % test, 10 % val


def combination_unit(record: EvalRecord) -> str:
    """The split unit: the scene's categories and colours as multisets, so a combination and
    every reassignment of its colours to its objects (the attribute swaps) share a split."""
    objects = record.annotation.spec.objects
    categories = sorted(o.category for o in objects)
    colours = sorted(o.color_name or "" for o in objects)
    return "|".join(categories) + "#" + "|".join(colours)


def colour_of(record: EvalRecord, category: str) -> str:
    """The colour of the scene's first object of this type."""
    return next(o.color_name for o in record.annotation.spec.objects if o.category == category)


def text_of(record: EvalRecord) -> str:
    binding = record.annotation.captions.binding
    return binding.caption.text if binding else record.annotation.captions.orders[0].text


def _type_rows(
    modality: str, records: list[EvalRecord], vectors: np.ndarray, colours: list[str],
    context: EvalContext,
) -> tuple[list[float], list[float], list[str], list[str]]:  # fmt: skip
    """Per seed, the mean over types of test accuracy and of chance; the types probed; notes."""
    types = sorted({o.category for r in records for o in r.annotation.spec.objects})
    accuracy: list[list[float]] = [[] for _ in seeds(context)]
    chance: list[list[float]] = [[] for _ in seeds(context)]
    probed, too_few = [], []
    for kind in types:
        rows = [i for i, r in enumerate(records) if kind in r.categories]
        units = [combination_unit(records[i]) for i in rows]
        if len(set(units)) < MIN_COMBINATIONS:
            too_few.append(kind)
            continue
        labels = np.array([[colours.index(colour_of(records[i], kind))] for i in rows])
        outcomes: list[SeedOutcome] = run_slot_probe(
            vectors[rows], labels, units, len(colours), LABCLIP, seeds(context),
            fractions=FRACTIONS,
        )  # fmt: skip
        for j, outcome in enumerate(outcomes):
            accuracy[j].append(float(outcome.accuracy()[0]))
            chance[j].append(float(outcome.chance()[0]))
        probed.append(kind)
    notes = [
        f"{modality}: {len(too_few)} of {len(types)} types left out, each in fewer than "
        f"{MIN_COMBINATIONS} combinations."
    ] if too_few else []  # fmt: skip
    return (
        [float(np.nanmean(a)) if a else float("nan") for a in accuracy],
        [float(np.nanmean(c)) if c else float("nan") for c in chance],
        probed,
        notes,
    )


def color_by_type(context: EvalContext) -> TaskResult:
    """Colour of each object type, from the image and from the caption's text embedding."""
    records = binding_records(context.dataset.records)
    colour_names(records)  # every object carries a colour, else skipped
    kept = [r for r in records if r.annotation.spec.split in (None, "train")]
    colours = colour_names(kept)
    notes = [
        f"Probes: Linear(D, {len(colours)}) per object type on frozen embeddings, "
        f"{LABCLIP.describe()}; split by combination "
        "(a combination and its attribute swaps together), 80/10/10 train/val/test.",
        f"Cells: test accuracy averaged over the types, then the mean over "
        f"{context.probe_seeds} seeds with its 95% t-interval; ', chance' answers the train "
        "split's most common colour.",
    ]
    if len(kept) < len(records):
        notes.append(
            f"{len(records) - len(kept)} scenes of the data's held-out pairs left out "
            "(LABCLIP's test combinations are new, their pairs seen)."
        )
    embedders = [("text", context.encoder.encode_text, text_of)]
    if "image" in context.encoder.modalities:
        embedders.insert(0, ("image", context.encoder.encode_images, lambda r: r.image_path))
    rows = []
    for modality, embed, item in embedders:
        vectors = embed([item(r) for r in kept])
        accuracy, chance, probed, left = _type_rows(modality, kept, vectors, colours, context)
        notes += left
        if not probed:
            continue
        notes.append(f"{modality}: {len(probed)} types probed: {', '.join(probed)}.")
        for group, values in ((modality, accuracy), (f"{modality}, chance", chance)):
            cells = {"mean over types": mean_cell(np.array(values))}
            rows.append(Row(group=group, n_images=len(kept), n_queries=len(kept), cells=cells))
    if not rows:
        raise NotImplementedError("too few combinations per object type: " + " ".join(notes[2:]))
    table = Table(
        name="by_object_type",
        title=f"Colour of a named object type ({len(colours)} colours), one probe per type",
        unit="% of test scenes",
        columns=["mean over types"],
        rows=rows,
    )
    return TaskResult(task="color_by_type", model=context.model, tables=[table], notes=notes)
