"""Spatial relations: is the image nearer its relation caption ("a dog to the left of a cup")
than the caption with the arguments swapped or the relation flipped?

Relations are decided on each image's measured boxes and camera depths with the margins the
scene recorded (default margins for scenes sampled without `--relations`), so any rendered
dataset can be scored, binding datasets included. Scenes whose objects carry colours are
scored twice, with and without the colour words, so relation binding and attribute binding
can be compared on the same images.
"""

from __future__ import annotations

import math

from comco.captions.relation_count_models import RelationCaptions
from comco.captions.relations import measured_geometry, relation_captions
from comco.dataset.configs import family
from comco.eval.align import swap_accuracy
from comco.eval.dataset import EvalRecord
from comco.eval.metrics import normalize
from comco.eval.results import Tally, TaskResult
from comco.eval.tasks.context import EvalContext

KINDS = ["argument_swap", "relation_flip"]
RELATIONS = ["left of", "right of", "in front of", "behind"]
# Ground distance between the two objects' centres, metres: (upper bound, column).
DISTANCES = [(2.5, "< 2.5 m"), (4.0, "2.5-4 m"), (math.inf, ">= 4 m")]


def distance_column(distance_m: float) -> str:
    return next(name for bound, name in DISTANCES if distance_m < bound)


def scene_relations(record: EvalRecord, context: EvalContext) -> list[RelationCaptions]:
    """The record's relation captions without colour words and, when its objects carry
    colours or materials, with them."""
    annotation = record.annotation
    spec = annotation.spec
    boxes = [o.bbox_xywh for o in sorted(annotation.objects, key=lambda o: o.index)]
    geometry = measured_geometry(spec, boxes)
    style = context.annotation_style
    variants = [relation_captions(spec, style, geometry, colours=False)]
    if any(o.color_name or o.material for o in spec.objects):
        variants.append(relation_captions(spec, style, geometry, colours=True))
    return variants


def relations(context: EvalContext) -> TaskResult:
    """Pairwise accuracy per negative kind, per relation and per distance between the objects."""
    records = context.dataset.records
    scenes = [scene_relations(r, context) for r in records]
    if not any(v.negatives for variants in scenes for v in variants):
        raise NotImplementedError(
            "no image has an unambiguous relation with a negative; sample with --relations"
        )
    images = normalize(context.encoder.encode_images([r.image_path for r in records]))
    texts = list(
        dict.fromkeys(
            t for variants in scenes for v in variants for n in v.negatives
            for t in (n.positive, n.text)
        )
    )  # fmt: skip
    vectors = normalize(context.encoder.encode_text(texts))
    index = {t: i for i, t in enumerate(texts)}
    kinds, by_relation, by_distance = Tally(), Tally(), Tally()
    for row, (record, variants) in enumerate(zip(records, scenes, strict=True)):
        for variant in variants:
            if not variant.negatives:
                continue
            group = f"{family(record.annotation.spec.vocab)}, " + (
                "with colours" if variant.colours else "without colours"
            )
            info = {c.text: c for c in variant.captions}
            counts: dict[str, dict[str, float]] = {"kind": {}, "relation": {}, "distance": {}}
            hits: dict[str, dict[str, float]] = {"kind": {}, "relation": {}, "distance": {}}
            for negative in variant.negatives:
                positive = index[negative.positive]
                wrong = index[negative.text]
                outcome = float(
                    swap_accuracy(
                        images[row : row + 1],
                        vectors[positive : positive + 1],
                        vectors[wrong : wrong + 1],
                    )[0]
                )
                caption = info[negative.positive]
                for table, column in (
                    ("kind", negative.kind),
                    ("relation", caption.relation),
                    ("distance", distance_column(caption.distance_m)),
                ):
                    hits[table][column] = hits[table].get(column, 0.0) + outcome
                    counts[table][column] = counts[table].get(column, 0.0) + 1
            n = len(variant.negatives)
            kinds.add_image(group, KINDS, hits["kind"], counts["kind"], n)
            by_relation.add_image(group, RELATIONS, hits["relation"], counts["relation"], n)
            columns = [name for _, name in DISTANCES]
            by_distance.add_image(group, columns, hits["distance"], counts["distance"], n)
    unit = "% of pairs"
    tables = [
        kinds.table(
            "pairwise",
            "Image nearer its relation caption than the negative, by negative kind (chance 50)",
            unit,
            context.n_boot,
            context.seed,
        ),
        by_relation.table(
            "by_relation",
            "The same pairs by the true caption's relation",
            unit,
            context.n_boot,
            context.seed,
        ),
        by_distance.table(
            "by_distance",
            "The same pairs by ground distance between the two objects",
            unit,
            context.n_boot,
            context.seed,
        ),
    ]
    margins = sorted({(v.margin_px, v.depth_margin_m) for variants in scenes for v in variants})
    notes = [
        "Relations from the measured visible boxes (left/right) and the floor footprints' "
        "depth along the viewing direction (in front of/behind); pairs within the margins "
        "are not named. Margins (px, m): "
        + ", ".join(f"{px:g} px, {m:g} m" for px, m in margins[:4])
        + (" ..." if len(margins) > 4 else "")
        + ".",
        "argument_swap: 'a cup to the left of a dog' for 'a dog to the left of a cup'; "
        "relation_flip: 'a dog to the right of a cup'. A model that ignores word order ties "
        "every argument swap (ties count half: 50 is chance).",
        "Intervals: 95% bootstrap over images.",
    ]
    n_pairs = sum(len(v.negatives) for variants in scenes for v in variants)
    notes.append(f"{n_pairs} pairs over {len(records)} images.")
    return TaskResult(task="relations", model=context.model, tables=tables, notes=notes)
