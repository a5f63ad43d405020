"""Image-text matching in two caption orders (the paper's Table 6).

`itm` follows the paper's Image_Text_Matching.py on images with one large object, objects in
spec order with the large one swapped into place, bare 'X and Y' captions, and every category
of the preset that is not in the image as the absent one:

- scenario 1: true [L, s...] against false [absent, s...] (the large object replaced);
- scenario 2: true [s..., L] against false [L, s..., absent] (the large object first, the
  last small one replaced).

A model that reads mostly the first-named object passes the first and fails the second.

`itm_captions` uses the pairs the dataset's annotations carry (`captions.itm`): 'helpful' names
the large object first in the true caption and replaces a small object in the false one;
'adversarial' names it last and puts it first in the false one.
"""

from __future__ import annotations

import numpy as np

from comco.captions.plain import caption_style, names_caption
from comco.core.catalog import load_vocabulary
from comco.core.spec import SizeRole
from comco.eval.metrics import cosine, normalize
from comco.eval.results import Tally, TaskResult
from comco.eval.tasks.context import EvalContext

SCENARIOS = ("scenario 1: large first", "scenario 2: large last")


def swapped(items: list[str], i: int, j: int) -> list[str]:
    out = list(items)
    out[i], out[j] = out[j], out[i]
    return out


def paper_pairs(categories: list[str], large: int, absent: str) -> list[tuple[list, list]]:
    """(true, false) object lists of both scenarios for one absent category, as the paper's
    script builds them from a file name whose large object sits at `large`."""
    first = swapped(categories, large, 0)
    last = swapped(categories, large, len(categories) - 1)
    return [(first, [absent, *first[1:]]), (last, [*first[:-1], absent])]


def itm(context: EvalContext) -> TaskResult:
    """The paper's protocol: share of (image, absent category) pairs whose image is nearer
    the true caption, per scenario."""
    style = caption_style("bare")
    vocabulary = load_vocabulary()
    records, left_out = [], 0
    for record in context.dataset.records:
        roles = [o.size_role for o in record.annotation.objects]
        distinct = len(set(record.categories)) == record.n_objects
        if roles.count(SizeRole.large) == 1 and distinct:
            records.append((record, roles.index(SizeRole.large)))
        else:
            left_out += 1
    if not records:
        raise NotImplementedError("no image has exactly one large object and distinct categories")
    images = normalize(context.encoder.encode_images([r.image_path for r, _ in records]))
    tally = Tally()
    for row, (record, large) in enumerate(records):
        own = list(record.categories)
        absent = [c for c in vocabulary.presets[record.vocab] if c not in own]
        pairs = [paper_pairs(own, large, a) for a in absent]
        for scenario in range(2):
            true = names_caption(pairs[0][scenario][0], style)
            false = [names_caption(p[scenario][1], style) for p in pairs]
            vectors = normalize(context.encoder.encode_text([true, *false]))
            wins = float(np.sum(vectors[1:] @ images[row] < vectors[0] @ images[row]))
            tally.add_image(
                SCENARIOS[scenario], ["correct"], {"correct": wins},
                {"correct": float(len(false))}, len(false),
            )  # fmt: skip
    table = tally.table(
        "accuracy",
        "Image nearer the true caption than the false one (every absent category)",
        "% of pairs",
        context.n_boot,
        context.seed,
    )
    notes = [
        "Pairs: every image with one large object x every preset category absent from it; "
        "ties count as wrong. Intervals: 95% bootstrap over images."
    ]
    if left_out:
        notes.insert(0, f"{left_out} images left out: no single large object, or a repeat.")
    return TaskResult(task="itm", model=context.model, tables=[table], notes=notes)


def itm_captions(context: EvalContext) -> TaskResult:
    """Share of the dataset's ITM pairs where the image is nearer the true caption."""
    records = [r for r in context.dataset.records if r.annotation.captions.itm]
    if not records:
        return TaskResult(
            task="itm_captions",
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
        task="itm_captions",
        model=context.model,
        tables=[table],
        notes=["Intervals: 95% bootstrap over images."],
    )
