"""Attribute columns in Parquet and WebDataset exports, and the card's attributes section."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import webdataset as wds

from comco.annotate.annotation import ImageAnnotation
from comco.core.attributes import AttributeSetup
from comco.core.knobs import CaptionKnobs
from comco.core.spec import Camera
from comco.export.exporter import export_dataset
from comco.export.verify import verify_export
from comco.sampling.sampler import SamplerConfig, sample_scene
from support.fake_render import fake_rendered_dataset


def _binding_folder(root: Path) -> dict[str, ImageAnnotation]:
    config = SamplerConfig(
        vocab="simco18",
        objects=3,
        large=1,
        seed=4,
        camera=Camera(width=64, height=64),
        attributes=AttributeSetup(
            palette="clevr8",
            kinds=["color", "material", "size"],
            distinct=True,
            holdout_fraction=0.2,
        ),
        caption_knobs=CaptionKnobs(
            completeness=0.7, saliency_bias=0.8, attributes_per_object=(2, 3)
        ),
    )
    specs = [sample_scene(config, i) for i in range(4)]
    fake_rendered_dataset(root, specs, [specs[0].categories[0]])
    return {
        s.id: ImageAnnotation.model_validate_json(
            next(root.glob(f"images/*/{s.id}.json")).read_text()
        )
        for s in specs
    }


def test_export_carries_colours_split_and_tagged_negatives(tmp_path):
    annotations = _binding_folder(tmp_path / "renders")
    out = tmp_path / "dist"
    export_dataset(tmp_path / "renders", out, ("parquet", "webdataset"))
    files = sorted(out.glob("parquet/simco*/*.parquet"))
    rows = [r for f in files for r in pq.read_table(f).to_pylist()]
    assert {r["id"] for r in rows} == set(annotations)
    for row in rows:
        a = annotations[row["id"]]
        assert row["colors"] == [o.color_name for o in a.spec.objects]
        assert row["materials"] == [o.material for o in a.spec.objects]
        assert row["size_words"] == [o.size_role.value for o in a.spec.objects]
        assert CaptionKnobs.model_validate_json(row["caption_knobs"]) == a.spec.caption_knobs
        assert row["split"] == a.spec.split
        binding = a.captions.binding
        assert row["binding_caption"] == binding.caption.text
        assert len(binding.caption.order) == 2  # completeness 0.7 of 3 objects
        assert row["negatives"] == [
            {"kind": n.kind, "text": n.text, "objects": n.objects} for n in binding.negatives
        ]
    tars = sorted(str(p) for p in out.glob("webdataset/simco*/*/*.tar"))
    for sample in wds.WebDataset(tars, shardshuffle=False):
        annotation = json.loads(sample["json"])
        assert annotation["spec"]["split"] in {"train", "val", "test"}
        assert annotation["captions"]["binding"]["negatives"]
    card = (out / "README.md").read_text()
    assert "Palettes: clevr8: gray, red" in card
    assert "Split rule" in card and '"holdout_fraction":0.2' in card.replace(" ", "")
    assert '"saliency_bias":0.8' in card.replace(" ", "")
    assert '"attributes_per_object":[2,3]' in card.replace(" ", "")
    assert "half rounds up" in card


def test_binding_splits_are_dataset_splits_and_config_names_say_coloured(tmp_path):
    from datasets import load_dataset

    from support.scenes import binding_dataset

    renders = binding_dataset(tmp_path / "renders", 30)
    specs = [json.loads(p.read_text())["spec"] for p in renders.glob("images/*/*.json")]
    expected = {"train": set(), "validation": set(), "test": set()}
    for spec in specs:
        expected[{"val": "validation"}.get(spec["split"], spec["split"])].add(spec["id"])
    assert all(expected.values())  # the fixture holds every split
    out = tmp_path / "dist"
    export_dataset(renders, out, ("parquet", "webdataset"))
    assert verify_export(out) == []
    name = "simco_3obj_same_color_clevr8"
    for split, ids in expected.items():
        rows = load_dataset(str(out), name=name, split=split, cache_dir=str(tmp_path / "hf"))
        assert set(rows["id"]) == ids
        assert set(rows["split"]) == {"val" if split == "validation" else split}
        tars = sorted(str(p) for p in out.glob(f"webdataset/{name}/{split}/*.tar"))
        assert {s["__key__"] for s in wds.WebDataset(tars, shardshuffle=False)} == ids


def test_export_carries_patterns_and_finishes(tmp_path):
    config = SamplerConfig(
        vocab="simco18",
        objects=2,
        seed=4,
        camera=Camera(width=64, height=64),
        attributes=AttributeSetup(
            palette="clevr8", kinds=["color", "pattern", "finish"], distinct=True
        ),
    )
    specs = {s.id: s for s in (sample_scene(config, i) for i in range(4))}
    fake_rendered_dataset(tmp_path / "renders", list(specs.values()), [], drop_rejected=True)
    out = tmp_path / "dist"
    export_dataset(tmp_path / "renders", out, ("parquet", "coco"))
    files = sorted(out.glob("parquet/simco*/*.parquet"))
    rows = [r for f in files for r in pq.read_table(f).to_pylist()]
    assert rows
    instances = json.loads((out / "coco" / "instances.json").read_text())
    by_image = {i["id"]: i["comco_id"] for i in instances["images"]}
    for ann in instances["annotations"]:
        obj = specs[by_image[ann["image_id"]]].objects[ann["comco_index"]]
        assert (ann["pattern"], ann["finish"]) == (obj.pattern, obj.finish)
    for row in rows:
        objects = specs[row["id"]].objects
        assert row["patterns"] == [o.pattern for o in objects]
        assert row["finishes"] == [o.finish for o in objects] and set(row["finishes"]) == {
            "glass",
            "matte",
        }
        assert row["materials"] == [None, None]
        words = set(row["binding_caption"].split())
        assert set(row["patterns"]) <= words and set(row["finishes"]) <= words
    card = (out / "README.md").read_text()
    assert "striped (stripes, 4.0 per metre, 40% contrast)" in card
    assert "glass (roughness 0.0, transmission 1.0)" in card
    assert "| `patterns`, `finishes` |" in card
