"""The images a model trains on and the captions it sees: the dataset's `train` scenes only
(scenes holding a held-out attribute-category pair, and the val scenes, are never seen),
each step captioning every image afresh under the knobs.

Pixels go through the model's own image processor once (resize and crop, kept as bytes);
rescaling and normalisation happen per batch, so tens of thousands of 64 px images fit in
memory.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from transformers import CLIPImageProcessor

from comco.captions.binding import binding_captions
from comco.captions.plain import CaptionStyle, caption_style
from comco.core.knobs import CaptionKnobs
from comco.dataset.copies import Record, open_copy

TRAIN_SPLIT = "train"


def training_records(records: list[Record] | tuple[Record, ...]) -> list[Record]:
    """The scenes a model may see: binding scenes of the `train` split, by id."""
    binding = [r for r in records if r.annotation.spec.attributes is not None]
    if not binding:
        raise ValueError(
            f"dataset: none of its {len(records)} images carries attributes; expected a "
            "binding dataset (comco sample --attributes color, or comco suite --binding)"
        )
    kept = [r for r in binding if r.annotation.spec.split == TRAIN_SPLIT]
    if not kept:
        raise ValueError(
            f"dataset: none of its {len(binding)} binding images is in the train split; "
            "expected scenes whose (attribute, category) pairs are not held out"
        )
    return sorted(kept, key=lambda r: r.annotation.spec.id)


def ids_digest(records: list[Record]) -> str:
    """sha256 (12 hex) of the training ids in order: a resumed run must see the same set."""
    ids = "\n".join(r.annotation.spec.id for r in records)
    return hashlib.sha256(ids.encode()).hexdigest()[:12]


def draw_seed(seed: int, epoch: int, index: int) -> int:
    """The caption draw of image `index` in `epoch`: a function of these three numbers only."""
    return int(np.random.SeedSequence([seed, epoch, index]).generate_state(1)[0])


@dataclass
class TrainingSet:
    """Training scenes with their pixels (uint8, model-sized) and what their captions need."""

    source: str
    records: list[Record]
    pixels: torch.Tensor  # (n, 3, side, side) uint8
    mean: torch.Tensor  # (1, 3, 1, 1)
    std: torch.Tensor
    held_out: int  # binding scenes left out (val and test splits)

    def __len__(self) -> int:
        return len(self.records)

    @property
    def digest(self) -> str:
        return ids_digest(self.records)

    def images(self, indices: torch.Tensor) -> torch.Tensor:
        """Normalised float pixels of these images, as the processor would give them."""
        return (self.pixels[indices].float() / 255.0 - self.mean) / self.std

    def caption(self, index: int, knobs: CaptionKnobs | None, seed: int) -> str:
        """One draw of image `index`'s caption under `knobs` (None: its spec's own knobs);
        saliency order uses the measured visible areas."""
        annotation = self.records[index].annotation
        areas = [float(o.visible_area_px) for o in annotation.objects]
        style = _style(annotation.captions.style)
        return binding_captions(annotation.spec, style, knobs, areas, seed=seed).caption.text


_STYLES: dict[str, CaptionStyle] = {}


def _style(name: str) -> CaptionStyle:
    if name not in _STYLES:
        _STYLES[name] = caption_style(name)
    return _STYLES[name]


def fit_normalisation(data: TrainingSet, processor: CLIPImageProcessor) -> None:
    """Set the processor's (and so the saved model's) per-channel mean and std to the training
    pixels'. Rendered scenes are low-contrast (a grey floor, 4 % of the range per channel):
    with CLIP's web-photo constants a new model's image embeddings collapse to one point and
    the loss stays at log(batch)."""
    pixels = data.pixels.float() / 255.0
    mean = pixels.mean(dim=(0, 2, 3))
    std = pixels.std(dim=(0, 2, 3)).clamp_min(1e-3)
    processor.image_mean = [round(float(v), 6) for v in mean]
    processor.image_std = [round(float(v), 6) for v in std]
    data.mean = torch.tensor(processor.image_mean).view(1, 3, 1, 1)
    data.std = torch.tensor(processor.image_std).view(1, 3, 1, 1)


def load_training_set(
    reference: str | Path, processor: CLIPImageProcessor, cache_dir: Path | None = None
) -> TrainingSet:
    """Read any copy of a dataset (rendered folder, export, hf:ORG/NAME) and keep its train
    scenes, their pixels prepared by `processor`."""
    copy = open_copy(reference, cache_dir)
    records = training_records(copy.records)
    binding = sum(r.annotation.spec.attributes is not None for r in copy.records)
    chunks = []
    for start in range(0, len(records), 256):
        images = [_open_rgb(r.image_path) for r in records[start : start + 256]]
        batch = processor(images=images, do_rescale=False, do_normalize=False, return_tensors="np")
        chunks.append(torch.from_numpy(np.rint(batch["pixel_values"]).astype(np.uint8)))
    mean = torch.tensor(processor.image_mean, dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(processor.image_std, dtype=torch.float32).view(1, 3, 1, 1)
    return TrainingSet(
        source=copy.source,
        records=records,
        pixels=torch.cat(chunks),
        mean=mean,
        std=std,
        held_out=binding - len(records),
    )


def _open_rgb(path: Path) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")
