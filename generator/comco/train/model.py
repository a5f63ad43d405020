"""The model a training run starts from: a small transformers `CLIPModel` built from a config,
or a checkpoint on disk, with the tokenizer and image processor it is saved with.

A new model gets a genuine CLIP BPE whose merges spell out the generator's vocabulary (the one
`comco tiny-model` uses), so the saved folder loads through `comco eval --model hf:DIR` like any
CLIP checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from pydantic import BaseModel, ConfigDict, Field
from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTokenizer

from comco.eval.tiny import clip_bpe_files, vocabulary_words


class ModelShape(BaseModel):
    """Both towers share width, depth and heads; the defaults (0.34 M parameters) train at
    hundreds of 64 px images per second on one CPU core."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    width: int = Field(64, ge=8, description="hidden size of both towers")
    layers: int = Field(2, ge=1, description="transformer layers per tower")
    heads: int = Field(2, ge=1, description="attention heads per layer")
    image_size: int = Field(64, ge=8, description="side of the square the vision tower sees")
    patch_size: int = Field(16, ge=1, description="ViT patch side in pixels")
    projection_dim: int = Field(64, ge=2, description="size of the joint embedding")
    context: int = Field(32, ge=8, description="text tokens (captions are truncated to it)")


@dataclass
class Parts:
    """A model with the processors that turn captions and images into its inputs."""

    model: CLIPModel
    tokenizer: CLIPTokenizer
    processor: CLIPImageProcessor

    def save(self, directory: Path) -> None:
        """config.json, model.safetensors, tokenizer and preprocessor files."""
        self.model.save_pretrained(directory, safe_serialization=True)
        self.tokenizer.save_pretrained(directory)
        self.processor.save_pretrained(directory)


def build(shape: ModelShape, seed: int, scratch: Path) -> Parts:
    """A randomly initialised CLIPModel (weights from `seed`); the BPE files go to `scratch`."""
    if shape.image_size % shape.patch_size:
        raise ValueError(
            f"patch_size: {shape.patch_size} does not divide image_size {shape.image_size}; "
            "expected a divisor"
        )
    if shape.width % shape.heads:
        raise ValueError(f"heads: {shape.heads} does not divide width {shape.width}")
    vocab_file, merges_file = clip_bpe_files(scratch, vocabulary_words())
    tokenizer = CLIPTokenizer(str(vocab_file), str(merges_file), model_max_length=shape.context)
    size = len(tokenizer)
    tower = {
        "hidden_size": shape.width,
        "intermediate_size": 4 * shape.width,
        "num_hidden_layers": shape.layers,
        "num_attention_heads": shape.heads,
    }
    config = CLIPConfig(
        text_config={
            **tower,
            "vocab_size": size,
            "max_position_embeddings": shape.context,
            "bos_token_id": size - 2,
            "eos_token_id": size - 1,
            "pad_token_id": size - 1,
        },
        vision_config={**tower, "image_size": shape.image_size, "patch_size": shape.patch_size},
        projection_dim=shape.projection_dim,
    )
    torch.manual_seed(seed)
    model = CLIPModel(config)
    side = shape.image_size
    processor = CLIPImageProcessor(
        size={"shortest_edge": side}, crop_size={"height": side, "width": side}
    )
    return Parts(model, tokenizer, processor)


def load(directory: Path) -> Parts:
    """A CLIP checkpoint folder (ours or any transformers CLIP) to continue training from."""
    if not (Path(directory) / "config.json").is_file():
        raise FileNotFoundError(
            f"init: {directory} has no config.json; expected a transformers CLIP folder "
            "(a `comco train` output or `save_pretrained` of a CLIPModel)"
        )
    model = CLIPModel.from_pretrained(directory, local_files_only=True)
    tokenizer = CLIPTokenizer.from_pretrained(directory, local_files_only=True)
    processor = CLIPImageProcessor.from_pretrained(directory, local_files_only=True)
    return Parts(model, tokenizer, processor)


def parameter_count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
