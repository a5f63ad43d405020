"""Attribute columns in Parquet and WebDataset exports, and the card's attributes section."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import webdataset as wds
from test_export import LIBRARY_SHA, _annotation, _png, make_library

from comco.attributes import AttributeSetup
from comco.export.exporter import export_dataset
from comco.knobs import CaptionKnobs
from comco.sampler import SamplerConfig, sample_scene
from comco.spec import Camera


def _binding_folder(root: Path) -> dict:
    config = SamplerConfig(
        vocab="simco18",
        objects=3,
        seed=4,
        camera=Camera(width=64, height=64),
        attributes=AttributeSetup(
            palette="clevr8", kinds=["color", "material"], distinct=True, holdout_fraction=0.2
        ),
        caption_knobs=CaptionKnobs(completeness=0.7, order="saliency"),
    )
    specs = [sample_scene(config, i) for i in range(4)]
    library = make_library(
        root.parent / "library", sorted({c for s in specs for c in s.categories})
    )
    annotations = {}
    folder = root / "images" / "00000"
    folder.mkdir(parents=True)
    for spec in specs:
        annotation = _annotation(spec)
        (folder / f"{spec.id}.png").write_bytes(_png(spec.seed))
        (folder / f"{spec.id}.json").write_text(annotation.model_dump_json())
        annotations[spec.id] = annotation
    run = {"comco_version": "0.1.0", "library": {"path": str(library), "sha256": LIBRARY_SHA}}
    (root / "dataset.json").write_text(json.dumps(run))
    (root / "summary.json").write_text("{}")
    return annotations


def test_export_carries_colours_split_and_tagged_negatives(tmp_path):
    annotations = _binding_folder(tmp_path / "renders")
    out = tmp_path / "dist"
    export_dataset(tmp_path / "renders", out, ("parquet", "webdataset"))
    rows = [
        r for f in sorted(out.glob("parquet/*/*.parquet")) for r in pq.read_table(f).to_pylist()
    ]
    assert {r["id"] for r in rows} == set(annotations)
    for row in rows:
        a = annotations[row["id"]]
        assert row["colors"] == [o.color_name for o in a.spec.objects]
        assert row["materials"] == [o.material for o in a.spec.objects]
        assert row["split"] == a.spec.split
        binding = a.captions.binding
        assert row["binding_caption"] == binding.caption.text
        assert len(binding.caption.order) == 2  # completeness 0.7 of 3 objects
        assert row["negatives"] == [
            {"kind": n.kind, "text": n.text, "objects": n.objects} for n in binding.negatives
        ]
    tars = sorted(str(p) for p in out.glob("webdataset/*/test/*.tar"))
    for sample in wds.WebDataset(tars, shardshuffle=False):
        annotation = json.loads(sample["json"])
        assert annotation["spec"]["split"] in {"train", "val", "test"}
        assert annotation["captions"]["binding"]["negatives"]
    card = (out / "README.md").read_text()
    assert "Palettes: clevr8: gray, red" in card
    assert "Split rule" in card and '"holdout_fraction":0.2' in card.replace(" ", "")
    assert '"order":"saliency"' in card.replace(" ", "")
