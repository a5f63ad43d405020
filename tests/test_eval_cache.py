"""The embedding cache: an index of cached keys read at start, vectors read on demand."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from comco.eval.cache import CachedEncoder, EmbeddingStore, text_key
from comco.eval.encoders import ModelSpec


class Counting:
    """Embeds text 'n' as the vector [n, n + 0.5, -n]: planted, so rows can be checked."""

    modalities = frozenset({"text"})
    spec = ModelSpec("hf", "counting")
    fingerprint = "counting".ljust(24, "0")

    def __init__(self) -> None:
        self.embedded: list[str] = []

    def encode_text(self, texts: list[str]) -> np.ndarray:
        self.embedded += texts
        return np.array([[float(t), float(t) + 0.5, -float(t)] for t in texts], np.float32)


def planted(texts: list[str]) -> np.ndarray:
    return np.array([[float(t), float(t) + 0.5, -float(t)] for t in texts], np.float32)


def test_vectors_come_back_by_key_across_batches_and_runs(tmp_path: Path) -> None:
    first = Counting()
    texts = [str(n) for n in range(50)]
    assert np.array_equal(
        CachedEncoder(first, tmp_path).encode_text(texts[:30]), planted(texts[:30])
    )
    asked = [*texts[::-1], "7", "7"]  # new and cached keys, reversed, repeated
    encoder = CachedEncoder(first, tmp_path)
    assert np.array_equal(encoder.encode_text(asked), planted(asked))
    assert first.embedded == texts[:30] + texts[30:][::-1]  # each text embedded once
    later = Counting()
    reopened = CachedEncoder(later, tmp_path)
    assert np.array_equal(reopened.encode_text(asked), planted(asked))
    assert later.embedded == [] and reopened.hits == 50
    assert len(list((tmp_path / later.fingerprint[:24] / "text").glob("*.keys"))) == 2


def test_a_batch_without_its_keys_file_is_not_cached(tmp_path: Path) -> None:
    store = EmbeddingStore(tmp_path)
    store.add([text_key("1"), text_key("2")], planted(["1", "2"]))
    keys_file = next(tmp_path.glob("*.keys"))
    keys_file.unlink()  # as if the run stopped between the vectors and the keys
    assert EmbeddingStore(tmp_path).missing([text_key("1")]) == [text_key("1")]


def test_many_inputs_are_written_a_chunk_at_a_time(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("comco.eval.cache.CHUNK", 8)
    encoder = Counting()
    texts = [str(n) for n in range(20)]
    assert np.array_equal(CachedEncoder(encoder, tmp_path).encode_text(texts), planted(texts))
    folder = tmp_path / encoder.fingerprint[:24] / "text"
    assert sorted(len(p.read_bytes()) // 32 for p in folder.glob("*.keys")) == [4, 8, 8]
