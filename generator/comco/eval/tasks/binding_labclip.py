"""Attribute binding as LABCLIP measures it (alignment/clevr_alignment_utils.py), on two-object
scenes with one attribute kind:

- the candidates are the full, fixed set of captions of the configuration: every
  'ATTR1 OBJ1 and ATTR2 OBJ2' over the preset's categories (two different objects) and the
  kind's values (the palette's colours, the materials, the finishes), the two orders of one
  content being one caption; so the figure does not depend on how many scenes were rendered;
- recall@1/5/10 of the image's own caption, and reverse recall: the top caption is its
  attribute swap;
- swap accuracy: the image is at least as near its caption as the attribute swap (a tie counts
  as correct), over images whose two attribute values differ.

comco's own `binding` task scores against the captions the dataset holds and counts ties half.
"""

from __future__ import annotations

from comco.core.attributes import load_attributes, object_value
from comco.core.catalog import load_vocabulary
from comco.eval.dataset import EvalRecord
from comco.eval.metrics import normalize
from comco.eval.results import Tally, TaskResult
from comco.eval.tasks.binding import binding_records, top_candidates
from comco.eval.tasks.context import EvalContext

MAX_CAPTIONS = 100_000  # beyond this the set is too large to embed in one evaluation
Content = tuple[str, str, str, str]  # attribute 1, category 1, attribute 2, category 2


def caption_set(values: list[str], categories: list[str]) -> dict[Content, int]:
    """LABCLIP's get_pair_labels: every (a1, o1, a2, o2) with o1 != o2, in its loop order,
    keeping the first of the two orders of one content."""
    index: dict[Content, int] = {}
    for a1 in values:
        for o1 in categories:
            for a2 in values:
                for o2 in categories:
                    if o1 != o2 and (a2, o2, a1, o1) not in index:
                        index.setdefault((a1, o1, a2, o2), len(index))
    return index


def lookup(index: dict[Content, int], content: Content) -> int:
    """The caption of a content in either order."""
    a1, o1, a2, o2 = content
    return index[content] if content in index else index[(a2, o2, a1, o1)]


Config = tuple[tuple[str, ...], str | None, str]  # (attribute kinds, palette, preset)


def configuration(record: EvalRecord) -> Config:
    setup = record.annotation.spec.attributes
    return (tuple(setup.kinds) if setup else (), setup.palette if setup else None, record.vocab)


def candidates(config: Config) -> tuple[str, list[str], list[str]]:
    """(kind, values, categories) of a configuration with one attribute kind."""
    (kind,), palette, vocab = config
    values = load_attributes().values(kind, palette)
    return kind, values, list(load_vocabulary().presets[vocab])


def content_of(record: EvalRecord, kind: str) -> Content:
    first, second = record.annotation.spec.objects
    return (object_value(first, kind), first.category, object_value(second, kind), second.category)


def binding_labclip(context: EvalContext) -> TaskResult:
    """Recall against each configuration's whole caption set, reverse recall, swap accuracy."""
    records = [r for r in binding_records(context.dataset.records) if r.n_objects == 2]
    if not records:
        raise NotImplementedError("LABCLIP's protocol is defined on two-object scenes; none here")
    configs: dict[Config, list[EvalRecord]] = {}
    for record in records:
        configs.setdefault(configuration(record), []).append(record)
    retrieval, swap, notes, scored = Tally(), Tally(), [], 0
    for config, members in sorted(configs.items(), key=str):
        label = "2 objects" if len(configs) == 1 else f"2 objects, {config[2]} {config[1]}"
        if len(config[0]) != 1:
            notes.append(f"{label}: left out, attribute kinds {list(config[0])} (needs one).")
            continue
        kind, values, categories = candidates(config)
        index = caption_set(values, categories)
        if len(index) > MAX_CAPTIONS:
            notes.append(f"{label}: left out, {len(index)} captions (> {MAX_CAPTIONS}).")
            continue
        example = _score(context, label, kind, members, index, retrieval, swap)
        scored += 1
        notes.append(
            f"{label}: all {len(index)} captions ({kind}: {len(values)} values x "
            f"{len(categories)} categories), e.g. {example!r}."
        )
    if not scored:
        raise NotImplementedError("no configuration fits LABCLIP's protocol: " + " ".join(notes))
    tables = [
        retrieval.table(
            "retrieval",
            "Own caption among all captions of the configuration; reverse: the top caption is "
            "the attribute swap",
            "% of images",
            context.n_boot,
            context.seed,
        ),
        swap.table(
            "swap",
            "Image at least as near its caption as the attribute swap (ties correct)",
            "% of images",
            context.n_boot,
            context.seed,
        ),
    ]
    notes.append(
        "Images whose two values are equal are left out of swap accuracy (their swap is their "
        "own caption). Intervals: 95% bootstrap over images."
    )
    return TaskResult(task="binding_labclip", model=context.model, tables=tables, notes=notes)


def _score(
    context: EvalContext, group: str, kind: str, records: list[EvalRecord],
    index: dict[Content, int], retrieval: Tally, swap: Tally,
) -> str:  # fmt: skip
    """Tally one configuration's images; returns an example caption."""
    names = {c: load_vocabulary().category(c).name for _, c, _, _ in index}
    texts = [f"{a1} {names[o1]} and {a2} {names[o2]}" for a1, o1, a2, o2 in index]
    captions = normalize(context.encoder.encode_text(texts))
    images = normalize(context.encoder.encode_images([r.image_path for r in records]))
    ranking = top_candidates(images, captions, 10)
    columns = ["R@1", "R@5", "R@10", "reverse"]
    for row, record in enumerate(records):
        a1, o1, a2, o2 = content_of(record, kind)
        true = lookup(index, (a1, o1, a2, o2))
        negative = lookup(index, (a2, o1, a1, o2))
        top = list(ranking[row])
        hits = {
            "R@1": float(top[0] == true),
            "R@5": float(true in top[:5]),
            "R@10": float(true in top[:10]),
            "reverse": float(top[0] != true and top[0] == negative),
        }
        retrieval.add_image(group, columns, hits, dict.fromkeys(columns, 1.0), 1)
        if a1 != a2:
            won = float(images[row] @ captions[true] >= images[row] @ captions[negative])
            swap.add_image(group, ["accuracy"], {"accuracy": won}, {"accuracy": 1.0}, 1)
    return texts[0]
