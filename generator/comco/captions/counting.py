"""Count captions ("three cups and a dog") and the captions that miscount them.

A pure function of the spec: the counted category (`SceneSpec.count_of`) is named first with
its number, the other categories after it in spec order with theirs. Phrases carry no colour
or material words, so a count caption tests counting alone.
"""

from __future__ import annotations

from comco.captions.plain import CaptionStyle, join_phrases, object_phrase
from comco.captions.relation_count_models import CountCaptions, CountNegative, CountNegativeKind
from comco.core.catalog import load_vocabulary
from comco.core.spec import SceneSpec

DELTAS: dict[int, CountNegativeKind] = {
    -2: "count_minus_2",
    -1: "count_minus_1",
    1: "count_plus_1",
    2: "count_plus_2",
}


def count_text(spec: SceneSpec, style: CaptionStyle, category: str, count: int) -> str:
    """The caption naming `count` of `category` first, then the scene's other categories."""
    vocabulary = load_vocabulary()
    others = [c for c in dict.fromkeys(spec.categories) if c != category]
    phrases = [object_phrase(vocabulary.category(category), style, count)]
    phrases += [
        object_phrase(vocabulary.category(c), style, spec.categories.count(c)) for c in others
    ]
    return join_phrases(phrases, style)


def count_captions(spec: SceneSpec, style: CaptionStyle) -> CountCaptions | None:
    """The count caption and its n-2, n-1, n+1, n+2 negatives (counts below one are left
    out); None for a scene whose count is not controlled."""
    if spec.count_of is None:
        return None
    category = spec.count_of
    objects = [i for i, c in enumerate(spec.categories) if c == category]
    n = len(objects)
    positive = count_text(spec, style, category, n)
    negatives = [
        CountNegative(
            kind=kind, delta=delta, text=count_text(spec, style, category, n + delta),
            positive=positive,
        )
        for delta, kind in DELTAS.items()
        if n + delta >= 1
    ]  # fmt: skip
    return CountCaptions(
        category=category, count=n, objects=objects, caption=positive, negatives=negatives
    )
