"""Relation and count columns in Parquet and WebDataset exports, `datasets` loading them, and
the card's relations section."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import webdataset as wds
from datasets import load_dataset

from comco.annotate.annotation import ImageAnnotation
from comco.core.relations import RelationSetup
from comco.core.spec import Camera
from comco.export.exporter import export_dataset
from comco.sampling.counting import CountRange
from comco.sampling.sampler import SamplerConfig, sample_scene
from support.fake_render import fake_rendered_dataset


def _folder(root: Path) -> dict[str, ImageAnnotation]:
    camera = Camera(width=96, height=96)
    relation = SamplerConfig(
        objects=3, seed=1, camera=camera, relations=RelationSetup(axes=["left-right"], margin=0.03)
    )
    count = SamplerConfig(objects=2, seed=1, camera=camera, counts=CountRange(low=2, high=3))
    specs = [sample_scene(relation, i) for i in range(3)] + [
        sample_scene(count, i) for i in range(2)
    ]
    fake_rendered_dataset(root, specs, [], drop_rejected=True)
    return {
        p.stem: ImageAnnotation.model_validate_json(p.read_text())
        for p in root.glob("images/*/*.json")
    }  # fmt: skip


def test_export_carries_relations_counts_and_their_settings(tmp_path):
    annotations = _folder(tmp_path / "renders")
    out = tmp_path / "dist"
    export_dataset(tmp_path / "renders", out, ("parquet", "webdataset"))
    rows = [
        r for f in sorted(out.glob("parquet/*/*.parquet")) for r in pq.read_table(f).to_pylist()
    ]
    assert {r["id"] for r in rows} == set(annotations)
    relation_rows = [r for r in rows if annotations[r["id"]].spec.relations]
    count_rows = [r for r in rows if annotations[r["id"]].spec.count_of]
    assert len(relation_rows) == 3 and len(count_rows) == 2
    for row in relation_rows:
        made = annotations[row["id"]].captions.relations
        assert made.boxes == "measured" and row["relation_margin_px"] == made.margin_px == 2.88
        assert [c["text"] for c in row["relation_captions"]] == [c.text for c in made.captions]
        assert [n["kind"] for n in row["relation_negatives"]] == [n.kind for n in made.negatives]
        assert row["count"] is None and row["count_negatives"] == []
    assert any(row["relation_captions"] for row in relation_rows)  # drawn boxes: unit cubes
    for row in count_rows:
        made = annotations[row["id"]].captions.counting
        assert (row["count_category"], row["count"]) == (made.category, made.count)
        assert row["count_caption"] == made.caption
        assert {n["delta"] for n in row["count_negatives"]} <= {-2, -1, 1, 2}
        assert row["relation_captions"] == [] and row["relation_margin_px"] is None
    loaded = load_dataset("parquet", data_files=[str(p) for p in out.glob("parquet/*/*.parquet")])
    assert "relation_captions" in loaded["train"].column_names
    tars = sorted(str(p) for p in out.glob("webdataset/*/test/*.tar"))
    samples = [json.loads(s["json"]) for s in wds.WebDataset(tars, shardshuffle=False)]
    assert sum(s["captions"]["relations"] is not None for s in samples) == 3
    card = (out / "README.md").read_text()
    assert "`relation_negatives`" in card and "`count_negatives`" in card
    assert '"margin":0.03' in card.replace(" ", "") and "Images per count: 2: 1, 3: 1" in card
