"""Counting on count-controlled scenes ("three cups and a dog", 1-6 of a kind).

Three measures per true count: pairwise accuracy of the image against its count caption vs
each miscount (n-2, n-1, n+1, n+2); zero-shot count retrieval (which of the captions naming
every count of the dataset is nearest the image); and a count probe, a linear head trained on
frozen image embeddings to predict the count, tested on scenes it never saw.
"""

from __future__ import annotations

import numpy as np

from comco.captions.counting import DELTAS, count_captions, count_text
from comco.eval.align import swap_accuracy
from comco.eval.dataset import EvalRecord
from comco.eval.metrics import normalize
from comco.eval.probes.linear import IOC
from comco.eval.probes.protocol import run_slot_probe
from comco.eval.probes.tables import masked_rows, split_notes
from comco.eval.results import Table, Tally, TaskResult
from comco.eval.tasks.context import EvalContext
from comco.eval.tasks.probes import MIN_TRAIN_SCENES, seeds

KINDS = list(DELTAS.values())


def count_records(records: list[EvalRecord]) -> list[EvalRecord]:
    """The count-controlled images; none is a NotImplementedError (skipped)."""
    kept = [r for r in records if r.annotation.spec.count_of is not None]
    if not kept:
        raise NotImplementedError("no image is a count scene; sample with --counts 1-6")
    return kept


def group(count: int) -> str:
    return f"{count} of a kind"


def counting(context: EvalContext) -> TaskResult:
    """Miscount pairs and zero-shot count retrieval per true count, and the count probe."""
    records = count_records(context.dataset.records)
    style = context.annotation_style
    scenes = [made for r in records if (made := count_captions(r.annotation.spec, style))]
    counts = sorted({s.count for s in scenes})
    choices = [
        [count_text(r.annotation.spec, style, s.category, m) for m in counts]
        for r, s in zip(records, scenes, strict=True)
    ]
    texts = list(
        dict.fromkeys(
            [t for s in scenes for t in (s.caption, *(n.text for n in s.negatives))]
            + [t for row in choices for t in row]
        )
    )
    index = {t: i for i, t in enumerate(texts)}
    images = normalize(context.encoder.encode_images([r.image_path for r in records]))
    vectors = normalize(context.encoder.encode_text(texts))
    pairs, retrieval = Tally(), Tally()
    for row, scene in enumerate(scenes):
        positive = vectors[index[scene.caption]][None]
        hits = {
            n.kind: float(
                swap_accuracy(images[row : row + 1], positive, vectors[index[n.text]][None])[0]
            )
            for n in scene.negatives
        }
        pairs.add_image(
            group(scene.count), KINDS, hits, dict.fromkeys(hits, 1.0), len(scene.negatives)
        )
        similarity = vectors[[index[t] for t in choices[row]]] @ images[row]
        predicted = counts[int(np.argmax(similarity))]
        retrieval.add_image(
            group(scene.count),
            ["exact", "within 1"],
            {"exact": float(predicted == scene.count),
             "within 1": float(abs(predicted - scene.count) <= 1)},
            {"exact": 1.0, "within 1": 1.0},
            1,
        )  # fmt: skip
    tables = [
        pairs.table(
            "pairwise",
            "Image nearer its count caption than the miscounted one, by miscount (chance 50)",
            "% of pairs",
            context.n_boot,
            context.seed,
        ),
        retrieval.table(
            "retrieval",
            f"Zero-shot count retrieval among the captions naming {counts[0]}-{counts[-1]} of "
            f"the counted category (chance exact {100 / len(counts):.1f})",
            "% of images",
            context.n_boot,
            context.seed,
        ),
    ]
    notes = [
        "Count captions name the counted category first with its number, then the others.",
        "Pairs and retrieval: 95% bootstrap intervals over images; ties count half.",
    ]
    probe = count_probe(context, records, [s.count for s in scenes], counts, images)
    if isinstance(probe, str):
        notes.append(probe)
    else:
        tables.append(probe[0])
        notes.append(probe[1])
    return TaskResult(task="counting", model=context.model, tables=tables, notes=notes)


def count_probe(
    context: EvalContext,
    records: list[EvalRecord],
    true_counts: list[int],
    counts: list[int],
    images: np.ndarray,
) -> tuple[Table, str] | str:
    """A linear head on frozen image embeddings predicts the count; accuracy per true count
    beside the train split's most common count. A reason (str) when too few scenes."""
    if "image" not in context.encoder.modalities:
        return "Count probe not run: the model embeds text only."
    if len(records) < MIN_TRAIN_SCENES + 1:
        return f"Count probe left out: {len(records)} scenes, it needs {MIN_TRAIN_SCENES + 1}."
    labels = np.array([[counts.index(c)] for c in true_counts])
    scene_ids = [r.annotation.spec.id for r in records]
    outcomes = run_slot_probe(
        images, labels, scene_ids, len(counts), IOC, seeds(context), frozenset()
    )
    masks = {group(c): labels == counts.index(c) for c in counts}
    rows = masked_rows("image probe", masks, outcomes)
    table = Table(
        name="probe",
        title=f"Count predicted by a linear head on frozen image embeddings ({len(counts)} "
        f"classes; {IOC.describe()}), by true count",
        unit="% of test images",
        columns=list(masks),
        rows=rows,
    )
    note = (
        f"Count probe cells: mean test accuracy over {len(outcomes)} seeds (a new split and "
        "initialisation each) with its 95% t-interval; "
    )
    return table, note + split_notes("count probe", outcomes)
