"""LABCLIP alignment: a D x D linear map A applied to text embeddings before the cosine.

A starts at the identity and has no bias; the mapped text is L2-normalised. It is trained on
cached, normalised embeddings of the train split with attribute-swapped captions as hard
negatives (LABCLIP's HNB loss): image-to-text cross-entropy over the batch's positives and
negatives, text-to-image cross-entropy over the positives, averaged, with a learnable
temperature exp(t), t starting at 0.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from comco.eval.metrics import normalize
from comco.io.atomic import write_atomic


class TextMapError(ValueError):
    """A map file that cannot be used: unreadable, the wrong model, or the wrong dataset."""


@dataclass(frozen=True)
class AlignConfig:
    """LABCLIP's CLEVR settings."""

    lr: float = 0.01
    epochs: int = 50
    batch_size: int = 128

    def describe(self) -> str:
        return f"Adam lr {self.lr:g}, {self.epochs} epochs, batch {self.batch_size}"


@dataclass(frozen=True)
class TextMap:
    """A trained map, the temperature it ended with, and where it came from (`meta`)."""

    matrix: np.ndarray  # (D, D): mapped = normalize(text @ matrix.T)
    log_temperature: float
    meta: dict[str, str] = field(default_factory=dict)

    def apply(self, texts: np.ndarray) -> np.ndarray:
        texts = np.asarray(texts, dtype=np.float64)
        if texts.shape[-1] != self.matrix.shape[1]:
            raise TextMapError(
                f"text map: embeddings of width {texts.shape[-1]}, map of width "
                f"{self.matrix.shape[1]}; expected the model the map was trained for "
                f"({self.meta.get('model', 'unknown')})"
            )
        return normalize(normalize(texts) @ self.matrix.T.astype(np.float64))

    def save(self, path: Path) -> Path:
        """One safetensors file: `text_map`, `log_temperature`, and `meta` as string metadata."""
        import torch
        from safetensors.torch import save

        data = save(
            {
                "text_map": torch.as_tensor(np.ascontiguousarray(self.matrix, np.float32)),
                "log_temperature": torch.tensor([self.log_temperature], dtype=torch.float32),
            },
            metadata=self.meta,
        )
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
        return path


def load_text_map(path: Path) -> TextMap:
    """Read a map written by `TextMap.save`; anything else fails naming the file."""
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="np") as handle:
            meta = dict(handle.metadata() or {})
            matrix = handle.get_tensor("text_map")
            log_temperature = float(handle.get_tensor("log_temperature")[0])
    except (SafetensorError, OSError, KeyError) as error:
        raise TextMapError(
            f"text map: {path} is not a map from 'comco align train' "
            f"(expected safetensors with text_map and log_temperature): {error}"
        ) from error
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise TextMapError(f"text map: {path} holds a {matrix.shape} text_map; expected D x D")
    return TextMap(matrix, log_temperature, meta)


def swap_accuracy(images: np.ndarray, positives: np.ndarray, negatives: np.ndarray) -> np.ndarray:
    """Per pair 1 if the image is nearer its positive caption, 0 if nearer the negative,
    0.5 on an exact tie (a bag-of-words model ties on every swap: that is chance, not a pass)."""
    images = normalize(images)
    pos = np.sum(images * normalize(positives), axis=-1)
    neg = np.sum(images * normalize(negatives), axis=-1)
    return np.where(pos > neg, 1.0, np.where(pos < neg, 0.0, 0.5))


def train_text_map(
    images: np.ndarray,
    positives: np.ndarray,
    negatives: np.ndarray,
    config: AlignConfig = AlignConfig(),
    seed: int = 0,
    meta: dict[str, str] | None = None,
) -> TextMap:
    """Learn A on (image, positive caption, swapped caption) triples of the train split."""
    import torch

    from comco.eval.probes.linear import one_thread

    if not (len(images) == len(positives) == len(negatives)) or not len(images):
        raise ValueError(
            f"align: {len(images)} images, {len(positives)} positives, {len(negatives)} "
            "negatives; expected the same non-zero number of each"
        )
    with one_thread():
        generator = torch.Generator().manual_seed(seed)
        image = torch.as_tensor(normalize(images), dtype=torch.float32)
        pos = torch.as_tensor(normalize(positives), dtype=torch.float32)
        neg = torch.as_tensor(normalize(negatives), dtype=torch.float32)
        dim = pos.shape[1]
        matrix = torch.eye(dim, requires_grad=True)
        log_temperature = torch.zeros((), requires_grad=True)
        optimizer = torch.optim.Adam([matrix, log_temperature], lr=config.lr)
        cross_entropy = torch.nn.functional.cross_entropy
        for _ in range(config.epochs):
            order = torch.randperm(len(image), generator=generator)
            for start in range(0, len(image), config.batch_size):
                rows = order[start : start + config.batch_size]
                texts = torch.nn.functional.normalize(
                    torch.cat([pos[rows], neg[rows]]) @ matrix.T, dim=-1
                )
                logits = log_temperature.exp() * image[rows] @ texts.T  # (B, 2B)
                target = torch.arange(len(rows))
                loss = (
                    cross_entropy(logits, target) + cross_entropy(logits[:, : len(rows)].T, target)
                ) / 2
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    return TextMap(
        matrix.detach().numpy().copy(), float(log_temperature.detach()), dict(meta or {})
    )


def map_meta(**values: object) -> dict[str, str]:
    """safetensors metadata holds strings only: lists and numbers are stored as JSON."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
