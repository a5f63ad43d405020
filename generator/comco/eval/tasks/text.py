"""TOR and TOR-own: which object of a multi-object caption its embedding is nearest to.

Every order of every scene is a query; the object named at each position is known from the
caption's `order` (spec object indices), so a retrieved category is placed by id, never by
finding its name in the text.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from comco.captions.plain import (
    CaptionStyle,
    OrderedCaption,
    all_order_captions,
    caption_style,
    names_caption,
    single_object_captions,
)
from comco.core.spec import SceneSpec
from comco.eval.metrics import nearest, normalize
from comco.eval.results import Retrieval, Tally, TaskResult
from comco.eval.tasks.context import EvalContext


def mentions(spec: SceneSpec, caption: OrderedCaption) -> list[str]:
    """Category ids in the order the caption names them (a repeated category counts once)."""
    return list(dict.fromkeys(spec.objects[i].category for i in caption.order))


def position_columns(k: int, with_none: bool) -> list[str]:
    return [f"pos{i}" for i in range(1, k + 1)] + (["none"] if with_none else [])


@dataclass(frozen=True)
class Retrieved:
    """Each scene's queried captions and the category retrieved for each, plus the targets."""

    scenes: list[tuple[SceneSpec, list[OrderedCaption], list[str]]]
    targets: dict[str, dict[str, str]]  # preset -> category id -> target caption


def retrieve(context: EvalContext, style: CaptionStyle | None, restrict: bool) -> Retrieved:
    """Nearest single-object caption for every order of every scene (`style` None: the
    dataset's own captions)."""
    records = context.dataset.records
    target_style = style or context.annotation_style
    per_image: list[tuple[SceneSpec, list[OrderedCaption]]] = [
        (
            r.annotation.spec,
            r.annotation.captions.orders
            if style is None
            else all_order_captions(r.annotation.spec, style),
        )
        for r in records
    ]
    targets = {
        preset: single_object_captions(preset, target_style)
        for preset in {s.vocab for s, _ in per_image}
    }
    target_vectors = {
        preset: (list(t), normalize(context.encoder.encode_text(list(t.values()))))
        for preset, t in targets.items()
    }
    queries = context.encoder.encode_text([c.text for _, caps in per_image for c in caps])
    queries = normalize(queries)
    scenes = []
    row = 0
    for spec, captions in per_image:
        ids, vectors = target_vectors[spec.vocab]
        similarity = queries[row : row + len(captions)] @ vectors.T  # (orders, targets)
        row += len(captions)
        own = list(dict.fromkeys(spec.categories))  # every order names the same objects
        if restrict:
            columns_of_own = [ids.index(c) for c in own]
            picks = [own[j] for j in similarity[:, columns_of_own].argmax(axis=1)]
        else:
            picks = [ids[j] for j in similarity.argmax(axis=1)]
        scenes.append((spec, captions, picks))
    return Retrieved(scenes, targets)


def tor_by_position(
    context: EvalContext,
    style: CaptionStyle | None,
    restrict: bool,
    task: str,
) -> TaskResult:
    retrieved = retrieve(context, style, restrict)
    targets = retrieved.targets
    tally = Tally()
    for spec, captions, picks in retrieved.scenes:
        k = len(dict.fromkeys(spec.categories))
        columns = position_columns(k, with_none=not restrict)
        hits = dict.fromkeys(columns, 0.0)
        for caption, choice in zip(captions, picks, strict=True):
            named = mentions(spec, caption)
            hits[f"pos{named.index(choice) + 1}" if choice in named else "none"] += 1
        tally.add_image(
            f"{k} objects",
            columns,
            hits,
            dict.fromkeys(columns, float(len(captions))),
            len(captions),
        )
    n_targets = max(len(t) for t in targets.values())
    what = "the caption's own objects" if restrict else f"all {n_targets} single-object captions"
    table = tally.table(
        "by_position",
        f"Object retrieved from {what}, by its position in the caption",
        "% of captions",
        context.n_boot,
        context.seed,
    )
    example_target = next(iter(next(iter(targets.values())).values()))
    notes = [
        f"Captions: every order of each scene, e.g. {retrieved.scenes[0][1][0].text!r}; targets: "
        f"single-object captions such as {example_target!r}.",
        "Intervals: 95% bootstrap over images (the orders of one scene are resampled together).",
    ]
    retrievals = [
        Retrieval(id=spec.id, query=caption.text, retrieved=choice)
        for spec, captions, picks in retrieved.scenes
        for caption, choice in zip(captions, picks, strict=True)
    ]
    return TaskResult(
        task=task, model=context.model, tables=[table], notes=notes, retrievals=retrievals
    )


def tor(context: EvalContext) -> TaskResult:
    """TOR on the dataset's own captions."""
    return tor_by_position(context, None, restrict=False, task="tor")


def tor_paper(context: EvalContext) -> TaskResult:
    """TOR with the paper's bare 'X and Y' template over every order of each image's named
    objects (category ids, so it also runs on the original release's file names)."""
    style = caption_style("bare")
    records = context.dataset.records
    orders = [list(itertools.permutations(dict.fromkeys(r.categories))) for r in records]
    texts = [names_caption(list(o), style) for per_image in orders for o in per_image]
    queries = context.encoder.encode_text(texts)
    targets = {v: single_object_captions(v, style) for v in sorted({r.vocab for r in records})}
    vectors = {v: context.encoder.encode_text(list(t.values())) for v, t in targets.items()}
    tally, row, retrievals = Tally(), 0, []
    for record, per_image in zip(records, orders, strict=True):
        ids = list(targets[record.vocab])
        picks = nearest(queries[row : row + len(per_image)], vectors[record.vocab])
        row += len(per_image)
        columns = position_columns(len(per_image[0]), with_none=True)
        hits = dict.fromkeys(columns, 0.0)
        for order, pick in zip(per_image, picks, strict=True):
            chosen = ids[pick]
            text = names_caption(list(order), style)
            retrievals.append(Retrieval(id=record.id, query=text, retrieved=chosen))
            hits[f"pos{order.index(chosen) + 1}" if chosen in order else "none"] += 1
        counts = dict.fromkeys(columns, float(len(per_image)))
        tally.add_image(f"{len(per_image[0])} objects", columns, hits, counts, len(per_image))
    table = tally.table(
        "by_position",
        "Object retrieved from all single-object captions, by its position in the caption",
        "% of captions",
        context.n_boot,
        context.seed,
    )
    notes = [
        f"Captions: every order of each image's objects, e.g. {texts[0]!r}.",
        "Intervals: 95% bootstrap over images (the orders of one scene are resampled together).",
    ]
    return TaskResult(
        task="tor_paper", model=context.model, tables=[table], notes=notes, retrievals=retrievals
    )


def tor_own(context: EvalContext) -> TaskResult:
    """TOR restricted to the caption's own objects (zero-shot; the trained TOC is `toc`)."""
    return tor_by_position(context, None, restrict=True, task="tor_own")
