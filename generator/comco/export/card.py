"""The dataset card: README.md with YAML front matter that `datasets` and the hub read
(`configs:` and `dataset_info:`), and a body that states licences, attributions and how the
data was made."""

from __future__ import annotations

import json
from typing import Any

from datasets import DatasetInfo, Features
from datasets.info import DatasetInfosDict
from datasets.splits import SplitDict, SplitInfo
from datasets.utils.metadata import MetadataConfigs
from huggingface_hub import DatasetCardData

from comco import __version__
from comco.assets.library import AssetRecord
from comco.core.attributes import load_attributes
from comco.dataset.manifest import ConfigRecord, Format
from comco.export.facts import GenerationFacts
from comco.export.relation_card import FEATURE_ROWS, relations_section
from comco.export.tar_shards import SPLIT

PAPER = (
    '"CLIP Under the Microscope: A Fine-Grained Analysis of Multi-Object Representation", CVPR 2025'
)


def data_files_pattern(record: ConfigRecord, fmt: Format, split: str) -> str:
    """The glob that selects a configuration's data files of one split in one format."""
    folder = record.shards[fmt].folder
    return f"{folder}/{split}/*.tar" if fmt == "webdataset" else f"{folder}/{split}-*.parquet"


def record_splits(record: ConfigRecord) -> dict[str, int]:
    """Rows per split (a manifest written before splits were recorded: all in test)."""
    return record.splits or {SPLIT: record.rows}


def front_matter(
    card_format: Format | None,
    configs: dict[str, ConfigRecord],
    features: dict[str, Features],
    config_bytes: dict[str, dict[str, int]],
    title: str,
    has_attribution: bool,
) -> str:
    """YAML for the hub and `datasets`: licence, configs (in `card_format`: `datasets` picks
    one builder for a whole folder), and the features, which only Parquet configs declare
    (the WebDataset builder infers its own from the samples)."""
    data = DatasetCardData(
        pretty_name=title,
        license="other",
        license_name="per-asset",
        license_link="ATTRIBUTION.md" if has_attribution else "README.md",
        task_categories=["zero-shot-image-classification", "image-to-text", "text-to-image"],
        tags=["synthetic", "multi-object", "clip", "blender", "comco"],
        language=["en"],
    )
    MetadataConfigs(
        {
            name: {
                "data_files": [
                    {"split": split, "path": data_files_pattern(record, card_format, split)}
                    for split in record_splits(record)
                ]
            }
            for name, record in configs.items()
        }
    ).to_dataset_card_data(data)
    infos = {
        name: DatasetInfo(
            features=features[name],
            splits=SplitDict(
                {
                    split: SplitInfo(
                        name=split, num_examples=rows, num_bytes=config_bytes[name][split]
                    )
                    for split, rows in record_splits(record).items()
                }
            ),
        )
        for name, record in configs.items()
        if card_format == "parquet"
    }
    DatasetInfosDict(infos).to_dataset_card_data(data)
    return data.to_yaml()


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _settings(values: set[str]) -> str:
    return "\n".join(f"- `{v}`" for v in sorted(values)) or "- (none recorded)"


def attributes_section(facts: GenerationFacts) -> str:
    """Palette, materials, held-out split rule and caption knobs, when scenes carry
    attributes; empty otherwise."""
    if not facts.attribute_setups:
        return ""
    materials = ", ".join(
        f"{name} (roughness {m.roughness}, metallic {m.metallic})"
        for name, m in load_attributes().materials.items()
    )
    patterns = ", ".join(
        f"{name} ({p.texture}, {p.periods} per metre"
        + (f", {p.coverage:.0%} contrast" if p.coverage else "")
        + ")"
        for name, p in load_attributes().patterns.items()
    )
    finishes = ", ".join(
        f"{name} (roughness {f.roughness}, transmission {f.transmission})"
        for name, f in load_attributes().finishes.items()
    )
    palettes = sorted({json.loads(s)["palette"] or "-" for s in facts.attribute_setups})
    colours = "; ".join(
        f"{p}: {', '.join(load_attributes().palette(p))}" for p in palettes if p != "-"
    )
    splits = ", ".join(f"{k} {v}" for k, v in sorted(facts.splits.items()))
    return f"""
Attributes (`generator/comco/data/attributes.yaml`):
- Palettes: {colours or "-"}
- Materials: {materials}
- Patterns (the colour mixed with a contrasting white or near-black in object coordinates;
  kept only where the pattern gate measures it in the object's own pixels): {patterns}
- Finishes (the second material family, never with a material): {finishes}
- Attribute settings (kinds, palette, distinct values, held-out share and seed):
{_settings(facts.attribute_setups)}
- Split rule: the (attribute, value, category) pairs are shuffled by the hold-out seed; the
  first share of them is test-only, the next share val-only. A scene is `test` if it holds a
  test pair, else `val` if it holds a val pair, else `train`. Images per split: {splits}
- Caption knobs (attribute density, completeness, order; saliency bias and attribute words
  per object when set). A caption names max(1, floor(completeness x k + 0.5)) of its k
  objects (half rounds up); with a saliency bias p it names them largest first with
  probability p, otherwise in a random order other than that:
{_settings(facts.caption_knobs)}
"""


def body(
    title: str,
    card_format: Format | None,
    configs: dict[str, ConfigRecord],
    facts: GenerationFacts,
    run_info: dict[str, Any],
    assets: dict[str, AssetRecord],
    library_sha256: str,
    has_attribution: bool,
) -> str:
    """The Markdown below the front matter."""
    config_rows = [
        [
            f"`{n}`",
            ", ".join(r.shards),
            r.family or "-",
            r.n_objects or "-",
            r.size_setting or "-",
            r.rows,
            ", ".join(f"{split} {rows}" for split, rows in record_splits(r).items()),
        ]
        for n, r in configs.items()
    ]
    licences: dict[str, int] = {}
    for record in assets.values():
        licences[record.licence] = licences.get(record.licence, 0) + 1
    asset_rows = [
        [a.category, a.licence, a.author, _source_cell(a), f"`{a.member}`"] for a in assets.values()
    ]
    licence_list = ", ".join(f"{name} ({n} assets)" for name, n in sorted(licences.items()))
    example = next(iter(configs), "<config>")
    seeds = "-" if facts.seed_min is None else f"{facts.seed_min} to {facts.seed_max}"
    attribution = (
        "The full attribution text of the asset library is in [ATTRIBUTION.md](ATTRIBUTION.md)."
        if has_attribution
        else "The asset library shipped no ATTRIBUTION.md; the table above is the attribution."
    )
    return f"""# {title}

Synthetic multi-object scenes rendered in Blender by the ComCO builder, after ComCO and SimCO
from {PAPER}. Every image comes with exact per-object annotations (category, size role,
position, scale, visible bounding box and area, mask) and with captions that name its objects
in every order, so object-order and object-size biases of CLIP-style models can be measured.

## Configurations

Each image is in its scene's split: attribute-binding scenes sampled with held-out pairs are
`train`, `validation` (the spec's `val`) or `test` (a scene holding a held-out pair is
`test`); every other image, and the `gallery`, is in `{SPLIT}`. `gallery` holds one
single-object reference image per category (the targets of image-based object retrieval). The
configurations below are declared for the
{card_format or "(none: only tool layouts were exported)"} files
(`parquet/<config>/<split>-*.parquet` or `webdataset/<config>/<split>/`); where both formats
were exported they hold the same images, and the other one loads with
`load_dataset("parquet" or "webdataset", data_files=...)`. Configuration names end with the
attribute kinds and palette of coloured or textured scenes (`comco_3obj_same_color_clevr8`).

{_table(["config", "format", "family", "objects", "size setting", "images", "splits"], config_rows)}

```python
from datasets import load_dataset

ds = load_dataset("<this folder or repo id>", name="{example}", split="{SPLIT}")
```

WebDataset shards also load without `datasets`, e.g.
`webdataset.WebDataset("webdataset/<config>/{SPLIT}/0.tar").decode("pil")`, and each
`webdataset/<config>` folder is a CLIP_benchmark WebDataset root (`nshards.txt`,
`dataset_type.txt` = retrieval).

## Features

Parquet configurations (one row per image):

| column | meaning |
|---|---|
| `id` | image id, also its spec id |
| `image` | the rendered PNG |
| `config` | configuration name |
| `n_objects` | number of objects |
| `categories` | category ids in spec order |
| `size_roles` | `large`, `small` or `same`, in spec order |
| `caption` | the caption naming the objects in spec order |
| `captions_all_orders` | the captions naming the objects in every order |
| `bboxes` | visible bounding box per object, `[x, y, w, h]` pixels, spec order |
| `areas` | visible pixels per object, spec order |
| `colors`, `materials` | colour word and material per object, spec order (null: none) |
| `patterns`, `finishes` | pattern and finish word per object, spec order (null: none) |
| `size_words` | `large`/`small` per object when the attributes name sizes (null: none) |
| `split` | held-out split of an attribute scene (`train`/`val`/`test`; null: none) |
| `binding_caption` | the caption under the data-property knobs (null without attributes) |
| `caption_knobs` | the knobs it was made under, JSON (null without attributes) |
| `negatives` | its negatives: `kind` (`attribute_swap`/`object_swap`/`attribute_replace`), \
`text`, `objects` (spec indices) |
{FEATURE_ROWS}
| `annotation` | the full annotation (`comco.annotate.annotation.ImageAnnotation`) as JSON |

The gallery has `id`, `image`, `config`, `category`, `caption` and `annotation`.
WebDataset samples hold `<id>.png`, `<id>.json` (the full annotation) and `<id>.txt` (the
caption).

## How the data was generated

- Tool: comco {", ".join(sorted(facts.comco_versions)) or __version__} (exported with comco
  {__version__}); Blender {", ".join(sorted(facts.blender_versions)) or "-"}
- Devices: {", ".join(sorted(facts.devices)) or "-"}
- Images: {facts.images}; scene seeds {seeds}
- Vocabulary presets: {", ".join(sorted(facts.vocabs)) or "-"}; caption styles:
  {", ".join(sorted(facts.caption_styles)) or "-"}
- Asset library sha256: `{library_sha256}`

Render settings:
{_settings(facts.render_settings)}
{attributes_section(facts)}{relations_section(facts)}
Cameras:
{_settings(facts.cameras)}

Lights:
{_settings(facts.lights)}

Run metadata (`dataset.json` of the rendered folder):

```json
{json.dumps(run_info, indent=2, sort_keys=True)}
```

## Licences and attribution

The captions and annotations are generated data. Each image shows 3D assets whose licences
apply to it; an image is covered by the licences of the categories it shows (its
`categories`). Licences of the assets used: {licence_list}. Assets whose source reads
*modelled in code* were made by the project's own code, because no package had a real mesh
of them.

{_table(["category", "licence", "author", "source", "file in source"], asset_rows)}

{attribution}

## Integrity

`manifest.json` lists the sha256 and size of every file; `comco verify <folder>` checks them,
the row counts and that every image has its annotation.

## Citation

{PAPER}.
"""


def dataset_card(
    title: str,
    card_format: Format | None,
    configs: dict[str, ConfigRecord],
    features: dict[str, Features],
    config_bytes: dict[str, dict[str, int]],
    facts: GenerationFacts,
    run_info: dict[str, Any],
    assets: dict[str, AssetRecord],
    library_sha256: str,
    has_attribution: bool,
    layouts: list[str],
) -> str:
    """README.md text: front matter, then body (with the tool layouts' section)."""
    yaml_text = front_matter(card_format, configs, features, config_bytes, title, has_attribution)
    text = body(
        title, card_format, configs, facts, run_info, assets, library_sha256, has_attribution
    )
    section = layouts_section(layouts)
    if section:
        text = text.replace("\n## Features\n", f"\n{section}\n## Features\n", 1)
    return f"---\n{yaml_text}\n---\n\n{text}"


LAYOUT_TEXT = {
    "coco": "COCO format: `coco/instances.json` (RLE masks, boxes, areas; COCO category ids "
    "where they exist), `coco/captions.json` (every caption order), "
    "`coco/captions_binding.json` (the knob-chosen caption of attribute scenes) and "
    "`coco/images/`, as pycocotools, FiftyOne's `COCODetectionDataset` and detectron-style "
    "loaders take it; `comco analyze` reads it too.",
    "clip_benchmark": "CLIP_benchmark WebDataset roots, one per task: "
    "`clip_benchmark/<name>/test/{n}.tar`; `selection.txt` lists the compositionality sets "
    "(binding, relation and count negatives, ITM pairs; `--task image_caption_selection`, "
    "the true caption first), `classification.txt` the "
    "zero-shot classification set of the gallery (`classnames.txt`, templates).",
}


def layouts_section(layouts: list[str]) -> str:
    """Where the tool layouts are, or nothing when none was exported."""
    if not layouts:
        return ""
    lines = "\n".join(f"- `{name}/`: {LAYOUT_TEXT[name]}" for name in layouts)
    return f"## Tool layouts\n\n{lines}\n"


def _source_cell(asset: AssetRecord) -> str:
    """Where an asset came from, marking those modelled in code."""
    if asset.modelled_in_code:
        return f"*modelled in code* (`{asset.source}` {asset.source_version})"
    return f"`{asset.source}` {asset.source_version}"
