"""An embedding cache keyed by model fingerprint and input content, so re-runs are cheap.

Layout: <cache_dir>/<model fingerprint[:24]>/<text|image>/<hash of the batch>.npz, each file
holding the content keys and vectors of one batch of new inputs. Files are only ever added
(written under a temporary name, then renamed), so concurrent runs cannot corrupt them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from comco.eval.encoders.base import Encoder
from comco.io.atomic import open_atomic
from comco.io.locations import cache_folder


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_key(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class EmbeddingStore:
    """Vectors of one model and one modality, loaded lazily from the cache folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._vectors: dict[str, np.ndarray] | None = None

    def _load(self) -> dict[str, np.ndarray]:
        if self._vectors is None:
            self._vectors = {}
            for path in sorted(self.directory.glob("*.npz")):
                with np.load(path) as data:
                    self._vectors.update(zip(data["keys"].tolist(), data["vectors"], strict=True))
        return self._vectors

    def missing(self, keys: list[str]) -> list[str]:
        known = self._load()
        return [k for k in dict.fromkeys(keys) if k not in known]

    def add(self, keys: list[str], vectors: np.ndarray) -> None:
        if not keys:
            return
        self._load().update(zip(keys, vectors, strict=True))
        self.directory.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256("".join(keys).encode()).hexdigest()[:32]
        final = self.directory / f"{name}.npz"
        with open_atomic(final, "wb") as handle:
            np.savez(handle, keys=np.array(keys), vectors=np.asarray(vectors, np.float32))

    def get(self, keys: list[str]) -> np.ndarray:
        known = self._load()
        return np.stack([known[k] for k in keys]) if keys else np.zeros((0, 0), np.float32)


class CachedEncoder:
    """Wraps an encoder: each distinct text or image file is embedded once per model."""

    def __init__(self, encoder: Encoder, cache_dir: Path | None) -> None:
        self.encoder = encoder
        self.spec = encoder.spec
        self.modalities = encoder.modalities
        self.fingerprint = encoder.fingerprint
        root = (cache_dir or cache_folder("embeddings")) / encoder.fingerprint[:24]
        self.hits = 0
        self.misses = 0
        self._stores = {kind: EmbeddingStore(root / kind) for kind in ("text", "image")}

    def encode_text(self, texts: list[str]) -> np.ndarray:
        keys = [text_key(t) for t in texts]
        return self._encode(
            "text", keys, dict(zip(keys, texts, strict=True)), self.encoder.encode_text
        )

    def encode_images(self, paths: list[Path]) -> np.ndarray:
        keys = [file_key(p) for p in paths]
        return self._encode(
            "image", keys, dict(zip(keys, paths, strict=True)), self.encoder.encode_images
        )

    def _encode(
        self, kind: str, keys: list[str], inputs: dict, embed: Callable[[list], np.ndarray]
    ) -> np.ndarray:
        store = self._stores[kind]
        missing = store.missing(keys)
        self.misses += len(missing)
        self.hits += len(set(keys)) - len(missing)
        if missing:
            store.add(missing, embed([inputs[k] for k in missing]))
        return store.get(keys)
