"""Export columns of relation and count scenes: the relation captions with their negatives
and the count caption with its miscounts (empty / null for other scenes)."""

from __future__ import annotations

from typing import Any

from datasets import List, Value

from comco.dataset.folder import RenderedImage

RELATION_FEATURES = {
    "relation_captions": List(
        {
            "relation": Value("string"),
            "text": Value("string"),
            "objects": List(Value("int32")),
            "distance_m": Value("float64"),
        }
    ),
    "relation_negatives": List(
        {
            "kind": Value("string"),
            "text": Value("string"),
            "positive": Value("string"),
            "objects": List(Value("int32")),
        }
    ),
    "relation_margin_px": Value("float64"),
    "count_category": Value("string"),
    "count": Value("int32"),
    "count_caption": Value("string"),
    "count_negatives": List(
        {"kind": Value("string"), "delta": Value("int32"), "text": Value("string")}
    ),
}


def relation_columns(item: RenderedImage) -> dict[str, Any]:
    """The columns of RELATION_FEATURES, from the annotation's relation and count captions."""
    captions = item.annotation.captions
    relations, counting = captions.relations, captions.counting
    return {
        "relation_captions": [
            {"relation": c.relation, "text": c.text, "objects": c.objects,
             "distance_m": c.distance_m}
            for c in (relations.captions if relations else [])
        ],
        "relation_negatives": [
            {"kind": n.kind, "text": n.text, "positive": n.positive, "objects": n.objects}
            for n in (relations.negatives if relations else [])
        ],
        "relation_margin_px": relations.margin_px if relations else None,
        "count_category": counting.category if counting else None,
        "count": counting.count if counting else None,
        "count_caption": counting.caption if counting else None,
        "count_negatives": [
            {"kind": n.kind, "delta": n.delta, "text": n.text}
            for n in (counting.negatives if counting else [])
        ],
    }  # fmt: skip
