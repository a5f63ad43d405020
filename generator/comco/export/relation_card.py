"""What the dataset card says about relation and count scenes: the feature rows of their
columns and how relations were decided (margins) and counts controlled."""

from __future__ import annotations

from comco.export.facts import GenerationFacts

FEATURE_ROWS = """\
| `relation_captions` | relation scenes: every unambiguous relation between two objects, \
`relation` (`left of`/`right of`/`in front of`/`behind`), `text`, `objects` ([subject, \
reference] spec indices), `distance_m` (ground distance of their centres) |
| `relation_negatives` | their negatives: `kind` (`argument_swap`/`relation_flip`), `text`, \
`positive`, `objects` |
| `relation_margin_px` | the screen gap two boxes needed for left/right (null: no relations) |
| `count_category`, `count` | count scenes: the counted category and how many there are |
| `count_caption`, `count_negatives` | "three cups and a dog" and its miscounts: `kind` \
(`count_minus_2` ... `count_plus_2`), `delta`, `text` |"""


def relations_section(facts: GenerationFacts) -> str:
    """Axes, margins and count range, when scenes were placed for relations or counts;
    empty otherwise."""
    parts = []
    if facts.relation_setups:
        settings = "\n".join(f"- `{s}`" for s in sorted(facts.relation_setups))
        parts.append(f"""
Relations: objects 0 and 1 of each relation scene were placed so that the requested
relations hold, sides cycling over scenes. Captions name every pair whose relation is
unambiguous in the render: left/right from the measured visible boxes, which must be at
least `margin` x image width apart; in front of/behind from the objects' floor footprints
along the camera's viewing direction, at least `depth_margin_m` apart. No above/below:
every object stands on the floor. Settings (axes, margin, depth margin):
{settings}
""")
    if facts.counts:
        per_count = ", ".join(f"{n}: {k}" for n, k in sorted(facts.counts.items()))
        parts.append(f"""
Counts: each count scene repeats one category (`count_category`) `count` times beside
other categories; miscount negatives change the number by -2, -1, +1, +2 (never below one).
Images per count: {per_count}
""")
    return "".join(parts)
