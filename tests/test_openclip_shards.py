"""A `comco export --format webdataset` folder is training data for open_clip's own script
(`python -m open_clip_train.main --dataset-type webdataset`). open_clip needs torchvision,
which the test machines lack, so this runs the exact webdataset stages of its
`open_clip_train/data.py:get_wds_dataset` (open_clip_torch 3.3.0) over the shards: every
sample must come out as an RGB image and its caption."""

from __future__ import annotations

from pathlib import Path

import webdataset as wds
from PIL import Image

from comco.dataset.copies import open_copy
from comco.export.exporter import export_dataset
from support.planted_binding import planted_dataset


def has_caption_and_image(sample: dict) -> bool:
    """open_clip's filter_no_caption_or_no_image."""
    has_caption = "txt" in sample
    has_image = "png" in sample or "jpg" in sample or "jpeg" in sample or "webp" in sample
    return has_caption and has_image


def open_clip_samples(urls: list[str]) -> list[tuple[Image.Image, str]]:
    """get_wds_dataset's pipeline up to the tokenizer and image transform (applied to the
    tuple's two fields), without shuffling."""
    pipeline = wds.DataPipeline(
        wds.SimpleShardList(urls),
        wds.tarfile_to_samples(),
        wds.select(has_caption_and_image),
        wds.decode("pilrgb"),
        wds.rename(image="jpg;png;jpeg;webp", text="txt"),
        wds.to_tuple("image", "text"),
    )
    return list(pipeline)


def test_export_shards_read_as_open_clip_training_pairs(tmp_path: Path) -> None:
    rendered = planted_dataset(tmp_path / "renders", 12, 0)
    export_dataset(rendered, tmp_path / "dist", ("webdataset",))
    shards = sorted(tmp_path.glob("dist/webdataset/*/*/*.tar"))  # <config>/<split>/<n>.tar
    assert shards, "the export wrote no WebDataset shard"
    samples = open_clip_samples([str(s) for s in shards])
    records = open_copy(rendered).records
    assert all(isinstance(image, Image.Image) and image.mode == "RGB" for image, _ in samples)
    expected = []
    for record in records:
        with Image.open(record.image_path) as original:
            pixels = original.convert("RGB").tobytes()
        expected.append((pixels, record.annotation.captions.orders[0].text))
    assert sorted((image.tobytes(), text) for image, text in samples) == sorted(expected)
