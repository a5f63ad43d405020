"""An embedding cache keyed by model fingerprint and input content, so re-runs are cheap.

Layout: <cache_dir>/<model fingerprint[:24]>/<text|image>/<hash of the batch>.npy + .keys:
one batch of new inputs' vectors (float32) and their content keys (sha256 digests, 32 bytes
each, in the same order). The .keys file is written after the vectors, so a batch counts once
it is whole; files are only ever added (written under a temporary name, then renamed), so
concurrent runs cannot corrupt them.

It scales to millions of inputs: opening a store reads only the .keys files, into one sorted
index of 40 bytes per input; vectors are read from the memory-mapped .npy files when asked
for. New inputs are embedded and written `CHUNK` at a time, so an interrupted run keeps what
it finished and a million images make a few hundred files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from comco.eval.encoders.base import Encoder
from comco.io.atomic import open_atomic
from comco.io.locations import cache_folder

CHUNK = 4096  # inputs per file; a multiple of every power-of-two encoder batch up to it
DIGEST = np.dtype("S32")  # a sha256 digest; fixed width, so it sorts and compares as bytes


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_key(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def digests(keys: list[str]) -> np.ndarray:
    """Hex keys as an array of 32-byte digests."""
    return np.array([bytes.fromhex(k) for k in keys], dtype=DIGEST)


class EmbeddingStore:
    """Vectors of one model and one modality: an index of the cached keys, read from the
    folder when first used, and the batches' vectors, memory-mapped."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._batches: list[Path] = []
        self._maps: dict[int, np.ndarray] = {}
        self._index: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # key, batch, row

    def _sorted_index(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every batch's keys, read once and sorted once."""
        if self._index is None:
            keys, batches, rows = [np.zeros(0, DIGEST)], [np.zeros(0, np.int32)], []
            for keys_file in sorted(self.directory.glob("*.keys")):
                keys.append(np.fromfile(keys_file, DIGEST))
                batches.append(np.full(len(keys[-1]), len(self._batches), np.int32))
                rows.append(np.arange(len(keys[-1]), dtype=np.int32))
                self._batches.append(keys_file.with_suffix(".npy"))
            every = np.concatenate(keys)
            order = np.argsort(every, kind="stable")
            self._index = (
                every[order],
                np.concatenate(batches)[order],
                np.concatenate([np.zeros(0, np.int32), *rows])[order],
            )
        return self._index

    def _insert(self, vectors_file: Path, keys: np.ndarray) -> None:
        """Add one batch's keys to the index, keeping it sorted."""
        index_keys, index_batches, index_rows = self._sorted_index()
        batch = len(self._batches)
        self._batches.append(vectors_file)
        order = np.argsort(keys, kind="stable")
        at = np.searchsorted(index_keys, keys[order])
        self._index = (
            np.insert(index_keys, at, keys[order]),
            np.insert(index_batches, at, np.full(len(keys), batch, np.int32)),
            np.insert(index_rows, at, order.astype(np.int32)),
        )

    def _find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each key, whether it is cached and where in the index."""
        index_keys = self._sorted_index()[0]
        at = np.searchsorted(index_keys, keys)
        found = at < len(index_keys)
        found[found] = index_keys[at[found]] == keys[found]
        return found, at

    def __len__(self) -> int:
        return len(self._sorted_index()[0])

    def missing(self, keys: list[str]) -> list[str]:
        """The keys not cached yet, each once, in order of first appearance."""
        unique = list(dict.fromkeys(keys))
        found, _ = self._find(digests(unique))
        return [k for k, cached in zip(unique, found.tolist(), strict=True) if not cached]

    def add(self, keys: list[str], vectors: np.ndarray) -> None:
        """Write one batch of new keys and their vectors (vectors first, keys last)."""
        if not keys:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = self.directory / hashlib.sha256("".join(keys).encode()).hexdigest()[:32]
        with open_atomic(stem.with_suffix(".npy"), "wb") as handle:
            np.save(handle, np.asarray(vectors, np.float32))
        packed = digests(keys)
        with open_atomic(stem.with_suffix(".keys"), "wb") as handle:
            handle.write(packed.tobytes())
        self._insert(stem.with_suffix(".npy"), packed)

    def get(self, keys: list[str]) -> np.ndarray:
        """The (len(keys), dim) float32 vectors of cached keys, in order."""
        if not keys:
            return np.zeros((0, 0), np.float32)
        found, at = self._find(digests(keys))
        if not found.all():
            absent = keys[int(np.argmin(found))]
            raise KeyError(f"embedding cache: {absent} is not in {self.directory}")
        _, index_batches, index_rows = self._sorted_index()
        batches, rows = index_batches[at], index_rows[at]
        out = np.empty((len(keys), self._vectors(int(batches[0])).shape[1]), np.float32)
        for batch in np.unique(batches).tolist():
            where = batches == batch
            out[where] = self._vectors(batch)[rows[where]]
        return out

    def _vectors(self, batch: int) -> np.ndarray:
        if batch not in self._maps:
            self._maps[batch] = np.load(self._batches[batch], mmap_mode="r")
        return self._maps[batch]


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
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start : start + CHUNK]
            store.add(chunk, embed([inputs[k] for k in chunk]))
        return store.get(keys)
