"""Which categories a caption names, in which order, and with which attribute words.

Whole-token phrase matching, longest phrase first: "carrot" is one token and never a car,
"hot dog" is read before "dog" could be. A category word that also describes ("orange",
"baby") counts as an attribute when it stands in the modifier run of the next mention
("an orange cat", "a baby elephant"), as a mention otherwise ("an orange and a banana").
Every step is linear in the caption's length (each token is looked at a bounded number of
times), so a hostile 300 KB caption costs what 300 KB of ordinary captions cost.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from comco.analyze.words import Lexicon


@dataclass
class Mention:
    """One occurrence of a category phrase: tokens [start, end) and the attribute words
    directly before it."""

    category: str
    start: int
    end: int
    colours: list[str] = field(default_factory=list)
    adjectives: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NamedCategory:
    """A category as a caption names it, with every attribute word any of its mentions got."""

    category: str
    colours: tuple[str, ...]
    adjectives: tuple[str, ...]


def find_mentions(tokens: list[str], lexicon: Lexicon) -> list[Mention]:
    """Category phrases in order, after attribute-like category words are taken as attributes."""
    spans: list[tuple[int, int, str | None]] = []
    i = 0
    longest = lexicon.longest
    while i < len(tokens):
        for length in range(min(longest, len(tokens) - i), 0, -1):
            phrase = tuple(tokens[i : i + length])
            if phrase in lexicon.phrases:
                spans.append((i, i + length, lexicon.phrases[phrase]))
                i += length
                break
        else:
            i += 1
    mentions = [Mention(key, start, end) for start, end, key in spans if key is not None]
    mentions = _demote_modifiers(tokens, mentions, lexicon)
    boundaries = sorted([m.end for m in mentions] + [end for _, end, key in spans if key is None])
    for mention in mentions:
        below = bisect_right(boundaries, mention.start)
        floor = boundaries[below - 1] if below else 0
        _collect_attributes(tokens, mention, floor, lexicon)
    return mentions


def _is_attribute(token: str, lexicon: Lexicon) -> bool:
    return token in lexicon.colours or token in lexicon.adjectives


def _demote_modifiers(
    tokens: list[str], mentions: list[Mention], lexicon: Lexicon
) -> list[Mention]:
    """Drop one-word mentions that are attribute words modifying the next mention, right to
    left so that "an orange baby elephant" leaves only the elephant. Only the gap to the
    mention just right is read: one that was dropped is an attribute word whose own gap to
    the kept mention held only attribute words and joiners."""
    kept: list[Mention] = []
    right: Mention | None = None
    for mention in reversed(mentions):
        word = tokens[mention.start]
        if right and kept and mention.end - mention.start == 1 and _is_attribute(word, lexicon):
            between = tokens[mention.end : right.start]
            if all(_is_attribute(t, lexicon) or t in lexicon.joiners for t in between):
                right = mention
                continue
        kept.append(mention)
        right = mention
    return kept[::-1]


def _collect_attributes(tokens: list[str], mention: Mention, floor: int, lexicon: Lexicon) -> None:
    """Walk back from the mention over attribute words (and joiners between two of them),
    never into an earlier phrase."""
    i = mention.start - 1
    while i >= floor:
        token = tokens[i]
        if token in lexicon.colours:
            mention.colours.append(token)
        elif token in lexicon.adjectives:
            mention.adjectives.append(token)
        elif not (
            token in lexicon.joiners and i - 1 >= floor and _is_attribute(tokens[i - 1], lexicon)
        ):
            break
        i -= 1
    mention.colours.reverse()  # collected right to left
    mention.adjectives.reverse()


def named_categories(mentions: list[Mention]) -> list[NamedCategory]:
    """One entry per category in order of first mention, attributes pooled over its mentions."""
    order: dict[str, list[Mention]] = {}
    for mention in mentions:
        order.setdefault(mention.category, []).append(mention)
    return [
        NamedCategory(
            category=category,
            colours=tuple(c for m in group for c in m.colours),
            adjectives=tuple(a for m in group for a in m.adjectives),
        )
        for category, group in order.items()
    ]
