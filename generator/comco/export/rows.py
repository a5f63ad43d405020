"""The row of one image (or gallery image) and the `datasets` features that describe it.

Parquet and the dataset card share these features, so `datasets` decodes `image` as an image
whichever way the files are loaded.
"""

from __future__ import annotations

from typing import Any

from datasets import Features, Image, List, Value

from comco.captions.binding import size_words
from comco.captions.plain import caption_style, object_phrase
from comco.core.catalog import load_vocabulary
from comco.dataset.configs import GALLERY_CONFIG, config_name
from comco.dataset.folder import GalleryImage, RenderedImage
from comco.export.relation_rows import RELATION_FEATURES, relation_columns

IMAGE_FEATURES = Features(
    {
        "id": Value("string"),
        "image": Image(),
        "config": Value("string"),
        "n_objects": Value("int32"),
        "categories": List(Value("string")),
        "size_roles": List(Value("string")),
        "caption": Value("string"),
        "captions_all_orders": List(Value("string")),
        "bboxes": List(List(Value("int32"), length=4)),
        "areas": List(Value("int64")),
        "colors": List(Value("string")),
        "materials": List(Value("string")),
        "patterns": List(Value("string")),
        "finishes": List(Value("string")),
        "size_words": List(Value("string")),
        "split": Value("string"),
        "binding_caption": Value("string"),
        "caption_knobs": Value("string"),
        "negatives": List(
            {"kind": Value("string"), "text": Value("string"), "objects": List(Value("int32"))}
        ),
        **RELATION_FEATURES,
        "annotation": Value("string"),
    }
)

GALLERY_FEATURES = Features(
    {
        "id": Value("string"),
        "image": Image(),
        "config": Value("string"),
        "category": Value("string"),
        "caption": Value("string"),
        "annotation": Value("string"),
    }
)


def spec_order_caption(item: RenderedImage) -> str:
    """The caption naming objects in spec order: all_order_captions yields that order first."""
    return item.annotation.captions.orders[0].text


def image_row(item: RenderedImage) -> dict[str, Any]:
    """Columns of IMAGE_FEATURES; objects are listed in spec order (by their index)."""
    a = item.annotation
    objects = sorted(a.objects, key=lambda o: o.index)
    return {
        "id": a.id,
        "image": {"bytes": item.png.read_bytes(), "path": f"{a.id}.png"},
        "config": config_name(a.spec),
        "n_objects": len(a.spec.objects),
        "categories": a.spec.categories,
        "size_roles": [o.size_role.value for o in a.spec.objects],
        "caption": spec_order_caption(item),
        "captions_all_orders": [c.text for c in a.captions.orders],
        "bboxes": [list(o.bbox_xywh) for o in objects],
        "areas": [o.visible_area_px for o in objects],
        **binding_columns(item),
        **relation_columns(item),
        "annotation": item.annotation_text,
    }


def binding_columns(item: RenderedImage) -> dict[str, Any]:
    """Attribute columns: per-object colour, material, pattern, finish and size word (spec
    order), the held-out
    split, and the binding caption with the knobs it was made under (JSON) and its tagged
    negatives (None/empty for plain scenes)."""
    a = item.annotation
    binding = a.captions.binding
    return {
        "colors": [o.color_name for o in a.spec.objects],
        "materials": [o.material for o in a.spec.objects],
        "patterns": [o.pattern for o in a.spec.objects],
        "finishes": [o.finish for o in a.spec.objects],
        "size_words": size_words(a.spec),
        "split": a.spec.split,
        "binding_caption": binding.caption.text if binding else None,
        "caption_knobs": binding.knobs.model_dump_json() if binding else None,
        "negatives": [
            {"kind": n.kind, "text": n.text, "objects": n.objects}
            for n in (binding.negatives if binding else [])
        ],
    }


def gallery_caption(category: str) -> str:
    """The single-object caption of a gallery image, e.g. 'an apple'."""
    return object_phrase(load_vocabulary().category(category), caption_style("articles"))


def gallery_row(item: GalleryImage) -> dict[str, Any]:
    """Columns of GALLERY_FEATURES."""
    return {
        "id": item.category,
        "image": {"bytes": item.png.read_bytes(), "path": f"{item.category}.png"},
        "config": GALLERY_CONFIG,
        "category": item.category,
        "caption": gallery_caption(item.category),
        "annotation": item.annotation_text,
    }
