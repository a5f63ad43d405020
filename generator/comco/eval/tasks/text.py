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
from comco.eval.dataset import EvalRecord
from comco.eval.metrics import nearest, normalize
from comco.eval.results import Retrieval, Tally, TaskResult
from comco.eval.tasks.context import EvalContext


def mentions(spec: SceneSpec, caption: OrderedCaption) -> list[str]:
    """Category ids in the order the caption names them (a repeated category counts once)."""
    return list(dict.fromkeys(spec.objects[i].category for i in caption.order))


def position_columns(k: int, with_none: bool) -> list[str]:
    return [f"pos{i}" for i in range(1, k + 1)] + (["none"] if with_none else [])


@dataclass(frozen=True)
class Scene:
    """One scene's queries, kept small (no parsed spec or captions, so a million scenes fit):
    its id and distinct categories, and per caption its text, the category retrieved and
    that category's position among the objects the caption names (1 = first, 0 = none)."""

    id: str
    own: list[str]
    texts: list[str]
    picks: list[str]
    positions: list[int]


@dataclass(frozen=True)
class Retrieved:
    """Each scene's queries and retrieved categories, plus the targets."""

    scenes: list[Scene]
    targets: dict[str, dict[str, str]]  # preset -> category id -> target caption


def scene_captions(record: EvalRecord, style: CaptionStyle | None) -> list[OrderedCaption]:
    """The scene's captions in every order: its own (`style` None), or written in `style`."""
    annotation = record.annotation
    if style is None:
        return annotation.captions.orders
    return all_order_captions(annotation.spec, style)


def retrieve(context: EvalContext, style: CaptionStyle | None, restrict: bool) -> Retrieved:
    """Nearest single-object caption for every order of every scene (`style` None: the
    dataset's own captions). Annotations are parsed twice, once for the texts and once for
    the objects they name, rather than held for every scene."""
    records = context.dataset.records
    target_style = style or context.annotation_style
    targets = {
        preset: single_object_captions(preset, target_style)
        for preset in {r.vocab for r in records}
    }
    target_vectors = {
        preset: (list(t), normalize(context.encoder.encode_text(list(t.values()))))
        for preset, t in targets.items()
    }
    texts = [c.text for r in records for c in scene_captions(r, style)]
    queries = normalize(context.encoder.encode_text(texts))
    scenes = []
    row = 0
    for record in records:
        captions = scene_captions(record, style)
        spec = record.annotation.spec
        ids, vectors = target_vectors[record.vocab]
        similarity = queries[row : row + len(captions)] @ vectors.T  # (orders, targets)
        own = list(dict.fromkeys(spec.categories))  # every order names the same objects
        if restrict:
            columns_of_own = [ids.index(c) for c in own]
            picks = [own[j] for j in similarity[:, columns_of_own].argmax(axis=1)]
        else:
            picks = [ids[j] for j in similarity.argmax(axis=1)]
        named = [mentions(spec, caption) for caption in captions]
        positions = [n.index(p) + 1 if p in n else 0 for n, p in zip(named, picks, strict=True)]
        scenes.append(Scene(record.id, own, texts[row : row + len(captions)], picks, positions))
        row += len(captions)
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
    for scene in retrieved.scenes:
        columns = position_columns(len(scene.own), with_none=not restrict)
        hits = dict.fromkeys(columns, 0.0)
        for position in scene.positions:
            hits[f"pos{position}" if position else "none"] += 1
        n = len(scene.texts)
        tally.add_image(
            f"{len(scene.own)} objects", columns, hits, dict.fromkeys(columns, float(n)), n
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
        f"Captions: every order of each scene, e.g. {retrieved.scenes[0].texts[0]!r}; targets: "
        f"single-object captions such as {example_target!r}.",
        "Intervals: 95% bootstrap over images (the orders of one scene are resampled together).",
    ]
    retrievals = [
        Retrieval(id=scene.id, query=text, retrieved=choice)
        for scene in retrieved.scenes
        for text, choice in zip(scene.texts, scene.picks, strict=True)
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
