"""Captions: a scene named in every order of its objects, single-object captions, and the
image-text matching pairs of the paper's Table 6.

Every caption carries the object indices in the order it names them, so evaluators match
objects by id, never by searching for words in text.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from comco.captions.relation_count_models import CountCaptions, RelationCaptions
from comco.core.attributes import AttributeKind
from comco.core.catalog import Category, load_vocabulary
from comco.core.knobs import CaptionKnobs

if TYPE_CHECKING:
    from comco.core.spec import SceneSpec

NUMBER_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
]


class CaptionStyle(BaseModel):
    """How object phrases are written and joined: `pattern` holds `{objects}`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    pattern: str = "{objects}"
    articles: bool = True
    joiner: str = " and "


STYLES: dict[str, CaptionStyle] = {
    "articles": CaptionStyle(name="articles"),
    "bare": CaptionStyle(name="bare", articles=False),
    "photo": CaptionStyle(name="photo", pattern="a photo of {objects}"),
}


def caption_style(name_or_pattern: str) -> CaptionStyle:
    """A named style, or a custom pattern such as 'a render of {objects}' (with articles)."""
    if name_or_pattern in STYLES:
        return STYLES[name_or_pattern]
    if "{objects}" not in name_or_pattern:
        raise ValueError(
            f"template: {name_or_pattern!r} is neither a named style {sorted(STYLES)} "
            "nor a pattern containing '{objects}'"
        )
    return CaptionStyle(name="custom", pattern=name_or_pattern)


class OrderedCaption(BaseModel):
    """A caption and the spec object indices it names, first to last."""

    text: str
    order: list[int]
    categories: list[str]


class ItmPair(BaseModel):
    """A true caption and a false one (one object swapped for an absent category)."""

    scenario: Literal["helpful", "adversarial"]
    positive: OrderedCaption
    negative: str
    absent_category: str
    replaced_index: int = Field(description="spec object index the absent category stands for")


class BindingCaption(OrderedCaption):
    """The caption the knobs choose; `attributed` lists the objects shown with attributes."""

    attributed: list[int]


class Negative(BaseModel):
    """A false caption made from `positive` by one change to the objects named `objects`."""

    kind: Literal["attribute_swap", "object_swap", "attribute_replace"]
    text: str
    positive: str
    objects: list[int] = Field(description="spec indices involved, in caption order")
    attribute: AttributeKind | None = None
    replacement: str | None = Field(None, description="the new value (attribute_replace)")


class BindingCaptions(BaseModel):
    """An attribute-binding caption under data-property knobs, and its tagged negatives."""

    knobs: CaptionKnobs
    caption: BindingCaption
    negatives: list[Negative]


class CaptionSet(BaseModel):
    """All captions of one scene."""

    style: str
    orders: list[OrderedCaption]
    itm: list[ItmPair]
    binding: BindingCaptions | None = None
    relations: RelationCaptions | None = None
    counting: CountCaptions | None = None


def _with_article(phrase: str, category: Category | None) -> str:
    if category is not None and phrase == category.name:
        return f"{category.article} {phrase}"
    return ("an " if phrase[0].lower() in "aeiou" else "a ") + phrase


def object_phrase(
    category: Category,
    style: CaptionStyle,
    count: int = 1,
    color: str | None = None,
    material: str | None = None,
    size: str | None = None,
    pattern: str | None = None,
    finish: str | None = None,
) -> str:
    """'a horse', 'two horses', 'a red cube', 'a large red metal cube', 'a red striped glass
    cube' or, without articles, 'horse'."""
    noun = category.name if count == 1 else category.plural
    words = [w for w in (size, color, pattern, material, finish) if w]
    phrase = " ".join([*words, noun])
    if count > 1:
        number = NUMBER_WORDS[count] if count < len(NUMBER_WORDS) else str(count)
        return f"{number} {phrase}" if style.articles else phrase
    if not style.articles:
        return phrase
    return _with_article(phrase, None if words else category)


def _groups(spec: SceneSpec) -> list[list[int]]:
    """Object indices grouped by (category, colour, material, pattern, finish), in
    first-appearance order."""
    groups: dict[tuple[str | None, ...], list[int]] = {}
    for i, obj in enumerate(spec.objects):
        key = (obj.category, obj.color_name, obj.material, obj.pattern, obj.finish)
        groups.setdefault(key, []).append(i)
    return list(groups.values())


def _group_phrase(spec: SceneSpec, group: list[int], style: CaptionStyle) -> str:
    """The phrase naming a group of same-category, same-colour objects of the spec."""
    obj = spec.objects[group[0]]
    category = load_vocabulary().category(obj.category)
    return object_phrase(
        category,
        style,
        len(group),
        obj.color_name,
        obj.material,
        pattern=obj.pattern,
        finish=obj.finish,
    )


def join_phrases(phrases: list[str], style: CaptionStyle) -> str:
    return style.pattern.format(objects=style.joiner.join(phrases))


def _caption(
    spec: SceneSpec,
    groups_in_order: list[list[int]],
    style: CaptionStyle,
    phrases: list[str] | None = None,
) -> OrderedCaption:
    """The caption naming the groups in this order; `phrases` are their phrases when the
    caller already has them (every order of a scene reuses the same few)."""
    if phrases is None:
        phrases = [_group_phrase(spec, group, style) for group in groups_in_order]
    order = [i for group in groups_in_order for i in group]
    return OrderedCaption(
        text=join_phrases(phrases, style),
        order=order,
        categories=[spec.objects[i].category for i in order],
    )


# Scenes of up to 6 groups get every order (720); larger ones a seeded sample of this many.
MAX_ORDERS = 720


def all_order_captions(spec: SceneSpec, style: CaptionStyle) -> list[OrderedCaption]:
    """The scene named in every order of its objects (k! captions for k distinct objects),
    spec order first; beyond MAX_ORDERS orders, spec order and a seeded sample of the rest."""
    groups = _groups(spec)
    phrases = [_group_phrase(spec, group, style) for group in groups]
    if math.factorial(len(groups)) <= MAX_ORDERS:
        orders = list(itertools.permutations(range(len(groups))))
    else:
        rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 12]))
        sampled = {tuple(range(len(groups))): None}
        while len(sampled) < MAX_ORDERS:
            sampled[tuple(int(i) for i in rng.permutation(len(groups)))] = None
        orders = list(sampled)
    return [
        _caption(spec, [groups[i] for i in order], style, [phrases[i] for i in order])
        for order in orders
    ]


def names_caption(category_ids: list[str], style: CaptionStyle) -> str:
    """One caption naming these distinct categories in this order (for data that has names
    but no spec, such as the original release's file names)."""
    vocabulary = load_vocabulary()
    return join_phrases([object_phrase(vocabulary.category(c), style) for c in category_ids], style)


def single_object_captions(preset: str, style: CaptionStyle) -> dict[str, str]:
    """One caption per category of a preset: the retrieval targets of TOR."""
    return {
        c.id: join_phrases([object_phrase(c, style)], style)
        for c in load_vocabulary().preset(preset)
    }


def itm_pairs(spec: SceneSpec, style: CaptionStyle) -> list[ItmPair]:
    """Table 6 pairs for a one-large scene; empty when no single object is large.

    helpful: the true caption names the large object first; the false one names it last and
    puts the absent category first. adversarial: the true caption names the large object last;
    the false one names it first and the absent category last. A model that reads only the
    first-named object passes the first and fails the second.
    """
    large = [i for i, o in enumerate(spec.objects) if o.size_role == "large"]
    small = [i for i, o in enumerate(spec.objects) if o.size_role == "small"]
    if len(large) != 1 or not small:
        return []
    vocabulary = load_vocabulary()
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 6]))
    present = set(spec.categories)
    absent_pool = [c for c in vocabulary.presets[spec.vocab] if c not in present]
    absent = vocabulary.category(str(rng.choice(absent_pool)))
    replaced = int(rng.choice(small))
    others = [i for i in small if i != replaced]
    absent_phrase = object_phrase(absent, style)

    def text(indices: list[int | None]) -> str:
        return join_phrases(
            [absent_phrase if i is None else _group_phrase(spec, [i], style) for i in indices],
            style,
        )

    (big,) = large
    return [
        ItmPair(
            scenario="helpful",
            positive=_caption(spec, [[big], *([i] for i in small)], style),
            negative=text([None, *others, big]),
            absent_category=absent.id,
            replaced_index=replaced,
        ),
        ItmPair(
            scenario="adversarial",
            positive=_caption(spec, [*([i] for i in small), [big]], style),
            negative=text([big, *others, None]),
            absent_category=absent.id,
            replaced_index=replaced,
        ),
    ]
