"""Attribute-binding captions under data-property knobs, and their tagged negatives.

A pure function of the spec, the knobs and (for saliency order) the objects' visible areas,
so a training set can be re-captioned, and eval can rebuild every negative, without
re-rendering. Each object is named on its own ("a red cube and a red cube"), never counted, so
every phrase binds one object's attributes.
"""

from __future__ import annotations

import itertools

import numpy as np

from comco.captions.plain import (
    BindingCaption,
    BindingCaptions,
    CaptionStyle,
    Negative,
    join_phrases,
    object_phrase,
)
from comco.core.attributes import SHAPE_COLORS, AttributeKind, load_attributes, object_value
from comco.core.catalog import load_vocabulary
from comco.core.knobs import CaptionKnobs, named_count
from comco.core.spec import SceneSpec, predicted_area

# The kinds in the order negatives are made (later kinds appended, so scenes without them keep
# their negatives' draws); a phrase puts the size word first ("a large red striped glass cube",
# the order of `object_phrase`).
KINDS: tuple[AttributeKind, ...] = ("color", "material", "size", "pattern", "finish")
PHRASE_ORDER: tuple[AttributeKind, ...] = ("size", "color", "pattern", "material", "finish")


def has_attributes(spec: SceneSpec) -> bool:
    """Whether any object carries a colour name, a material, a pattern or a finish."""
    return spec.attributes is not None or any(
        o.color_name is not None
        or o.material is not None
        or o.pattern is not None
        or o.finish is not None
        for o in spec.objects
    )


def _value(spec: SceneSpec, index: int, kind: AttributeKind) -> str | None:
    """The object's word of a kind; size words only where the scene's attributes name sizes
    (a one-large scene sampled without them has roles but no size words)."""
    if kind == "size" and (spec.attributes is None or "size" not in spec.attributes.kinds):
        return None
    return object_value(spec.objects[index], kind)


def size_words(spec: SceneSpec) -> list[str | None]:
    """Each object's size word, spec order (None throughout unless the attributes name sizes)."""
    return [_value(spec, i, "size") for i in range(len(spec.objects))]


def _kind_values(spec: SceneSpec, kind: AttributeKind) -> list[str]:
    """Every value the attribute could take in this scene's dataset."""
    if kind != "color":
        return load_attributes().values(kind, None)
    if spec.attributes is not None and spec.attributes.palette is not None:
        return list(load_attributes().palette(spec.attributes.palette))
    return list(SHAPE_COLORS)  # SimCO's colours, for specs sampled without --attributes


def predicted_areas(spec: SceneSpec) -> list[float]:
    """Visible areas expected before rendering (what saliency order uses without a render)."""
    return [
        predicted_area(o.category, o.position[0], o.position[1], o.scale, spec.camera)
        for o in spec.objects
    ]


def _ordered(
    spec: SceneSpec, knobs: CaptionKnobs, areas: list[float] | None, rng: np.random.Generator
) -> list[int]:
    k = len(spec.objects)
    if knobs.saliency_bias is None and knobs.order == "spec":
        return list(range(k))
    if knobs.saliency_bias is None and knobs.order == "random":
        return [int(i) for i in rng.permutation(k)]
    sizes = areas if areas is not None else predicted_areas(spec)
    if len(sizes) != k:
        raise ValueError(f"areas: {len(sizes)} given for a scene of {k} objects")
    sign = 1 if knobs.order == "reverse-saliency" else -1
    salient = sorted(range(k), key=lambda i: (sign * sizes[i], i))
    if knobs.saliency_bias is None or rng.random() < knobs.saliency_bias or k == 1:
        return salient
    while True:  # a random order other than the saliency order (1 - 1/k! of draws pass)
        order = [int(i) for i in rng.permutation(k)]
        if order != salient:
            return order


def _named_kinds(
    spec: SceneSpec, knobs: CaptionKnobs, named: list[int], shown: set[int], seed: int
) -> dict[int, tuple[AttributeKind, ...]]:
    """The attribute kinds each object shown with attributes is named with: every kind it
    carries, or with `attributes_per_object` (A, B) a uniform draw of A..B of them (from a
    generator of its own, so captions without the knob keep their draws)."""
    carried = {i: tuple(k for k in PHRASE_ORDER if _value(spec, i, k) is not None) for i in shown}
    if knobs.attributes_per_object is None:
        return carried
    low, high = knobs.attributes_per_object
    rng = np.random.default_rng(np.random.SeedSequence([seed, 12]))
    chosen = {}
    for i in (i for i in named if i in shown):
        if high > len(carried[i]):
            raise ValueError(
                f"attributes_per_object: {low}-{high} asks for up to {high} attribute words, "
                f"but objects[{i}] ({spec.objects[i].category}) carries {len(carried[i])}: "
                f"{list(carried[i])}"
            )
        picks = rng.choice(len(carried[i]), size=int(rng.integers(low, high + 1)), replace=False)
        chosen[i] = tuple(carried[i][j] for j in sorted(picks))
    return chosen


class _Phrases:
    """Phrases of one caption, rebuilt with changed categories or attribute values."""

    def __init__(
        self,
        spec: SceneSpec,
        style: CaptionStyle,
        named: list[int],
        kinds: dict[int, tuple[AttributeKind, ...]],
    ):
        self.spec, self.style, self.named, self.kinds = spec, style, named, kinds
        self.shown = set(kinds)

    def text(
        self,
        categories: dict[int, str] | None = None,
        values: dict[tuple[int, AttributeKind], str] | None = None,
    ) -> str:
        """The caption, with some objects' categories or attribute values replaced."""
        categories, values = categories or {}, values or {}
        vocabulary = load_vocabulary()
        phrases = []
        for i in self.named:
            obj = self.spec.objects[i]
            category = vocabulary.category(categories.get(i, obj.category))
            words = {
                kind: values.get((i, kind), _value(self.spec, i, kind))
                for kind in self.kinds.get(i, ())
            }
            phrases.append(
                object_phrase(
                    category,
                    self.style,
                    color=words.get("color"),
                    material=words.get("material"),
                    size=words.get("size"),
                    pattern=words.get("pattern"),
                    finish=words.get("finish"),
                )
            )
        return join_phrases(phrases, self.style)


def _object_swap_is_its_own_test(spec: SceneSpec, phrases: _Phrases, a: int, b: int) -> bool:
    """Whether exchanging the nouns of a and b binds attributes differently from every
    attribute swap. Objects whose shown words differ in one attribute only ("a blue airplane
    and a green clock") would give the attribute swap's pairs in another order, and objects
    with the same words (or none) a true caption: no object swap for either."""

    def shown(i: int) -> tuple[str | None, ...]:
        return tuple(_value(spec, i, k) if i in phrases.shown else None for k in KINDS)

    differ = [j for j, (x, y) in enumerate(zip(shown(a), shown(b), strict=True)) if x != y]
    one_swappable = len(differ) == 1 and None not in (shown(a)[differ[0]], shown(b)[differ[0]])
    return bool(differ) and not one_swappable


def _negatives(spec: SceneSpec, phrases: _Phrases, positive: str) -> list[Negative]:
    named, shown = phrases.named, [i for i in phrases.named if i in phrases.shown]
    kinds = phrases.kinds
    negatives: list[Negative] = []

    def add(text: str, **fields: object) -> None:
        if text != positive:
            negatives.append(Negative(text=text, positive=positive, **fields))

    for kind in KINDS:
        for a, b in itertools.combinations(shown, 2):
            va, vb = _value(spec, a, kind), _value(spec, b, kind)
            if kind in kinds[a] and kind in kinds[b] and va != vb:
                text = phrases.text(values={(a, kind): vb, (b, kind): va})
                add(text, kind="attribute_swap", objects=[a, b], attribute=kind)
    for a, b in itertools.combinations(named, 2):
        ca, cb = spec.objects[a].category, spec.objects[b].category
        if ca != cb and _object_swap_is_its_own_test(spec, phrases, a, b):
            add(phrases.text(categories={a: cb, b: ca}), kind="object_swap", objects=[a, b])
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 11]))
    for kind in KINDS:
        present = {_value(spec, i, kind) for i in range(len(spec.objects))}
        absent = [v for v in _kind_values(spec, kind) if v not in present]
        for i in shown:
            if kind not in kinds[i] or not absent:
                continue
            new = absent[int(rng.integers(len(absent)))]
            add(
                phrases.text(values={(i, kind): new}),
                kind="attribute_replace",
                objects=[i],
                attribute=kind,
                replacement=new,
            )
    return negatives


def binding_captions(
    spec: SceneSpec,
    style: CaptionStyle,
    knobs: CaptionKnobs | None = None,
    areas: list[float] | None = None,
    seed: int | None = None,
) -> BindingCaptions:
    """The caption the knobs (given, else the spec's, else defaults) describe and its
    negatives. Objects are ordered by `knobs.order` (or, with `saliency_bias` p, largest
    first with probability p and otherwise in another random order), the first
    `named_count(completeness, k)` are named, and each gets its attribute words with
    probability `attribute_density` (with `attributes_per_object`, A..B of them). The draws
    follow `seed` (default the spec's): a trainer asks for a fresh draw per step."""
    knobs = knobs or spec.caption_knobs or CaptionKnobs()
    seed = spec.seed if seed is None else seed
    rng = np.random.default_rng(np.random.SeedSequence([seed, 10]))
    k = len(spec.objects)
    shown_draw = rng.random(k) < knobs.attribute_density  # drawn first: order does not move it
    ordered = _ordered(spec, knobs, areas, rng)
    named = ordered[: named_count(knobs.completeness, k)]
    shown = {
        i
        for i in named
        if shown_draw[i] and any(_value(spec, i, kind) is not None for kind in KINDS)
    }
    phrases = _Phrases(spec, style, named, _named_kinds(spec, knobs, named, shown, seed))
    text = phrases.text()
    caption = BindingCaption(
        text=text,
        order=named,
        categories=[spec.objects[i].category for i in named],
        attributed=[i for i in named if i in shown],
    )
    return BindingCaptions(knobs=knobs, caption=caption, negatives=_negatives(spec, phrases, text))
