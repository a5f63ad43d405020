"""Small random CLIP checkpoints built offline, for tests, benchmarks and smoke runs.

No real CLIP weights can be fetched here, so the loading path is exercised with random
models saved through the real `save_pretrained` APIs. The tokenizer is a genuine CLIP BPE
(byte-level, `</w>` word ends) with merges built from the vocabulary's words, so captions
tokenise to near-realistic lengths. Random weights show position biases of their own: never read
anything into their numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

from comco.core.attributes import load_attributes
from comco.core.catalog import load_vocabulary

EXTRA_WORDS = ["a", "an", "and", "photo", "of", "render"]


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP byte-to-character table: every byte gets a printable stand-in."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    printable += range(ord("®"), ord("ÿ") + 1)
    table = dict(zip(printable, printable, strict=True))
    extra = 0
    for byte in range(256):
        if byte not in table:
            table[byte] = 256 + extra
            extra += 1
    return {byte: chr(code) for byte, code in table.items()}


def clip_bpe_files(directory: Path, words: list[str]) -> tuple[Path, Path]:
    """vocab.json + merges.txt of a CLIP BPE with merges that spell out `words`."""
    chars = list(bytes_to_unicode().values())
    vocab = chars + [c + "</w>" for c in chars]
    merges: list[str] = []
    for word in dict.fromkeys(w.lower() for w in words):
        symbols = [*word[:-1], word[-1] + "</w>"]
        current = symbols[0]
        for symbol in symbols[1:]:
            merge = f"{current} {symbol}"
            if merge not in merges:
                merges.append(merge)
                vocab.append(current + symbol)
            current += symbol
    vocab = [*dict.fromkeys(vocab), "<|startoftext|>", "<|endoftext|>"]
    directory.mkdir(parents=True, exist_ok=True)
    vocab_file, merges_file = directory / "vocab.json", directory / "merges.txt"
    vocab_file.write_text(json.dumps({token: i for i, token in enumerate(vocab)}))
    merges_file.write_text("#version: 0.2\n" + "\n".join(merges) + "\n")
    return vocab_file, merges_file


def vocabulary_words() -> list[str]:
    """Every word the captions of any preset can use (categories, colours, materials), then
    those of the paper's name lists and long prompts (the name-list tasks)."""
    from comco.eval.tasks.tor_list import paper_lists

    words = list(EXTRA_WORDS)
    for category in load_vocabulary().categories:
        words += category.name.split() + category.plural.split()
    attributes = load_attributes()
    for palette in attributes.palettes.values():
        words += list(palette)
    words += list(attributes.materials)
    # last, so their merges rank below the vocabulary's and never split a category name
    lists = paper_lists()
    texts = [*lists["long_prompts"].values()]
    texts += [name for key in ("comco", "simco", "size_small", "size_mid", "size_big")
              for name in lists[key]]  # fmt: skip
    extra = " ".join(texts).replace(",", " ").replace(".", " ").split()
    return words + list(dict.fromkeys(w for w in extra if not w.startswith("OBJ")))


def build_clip(
    directory: Path,
    width: int = 32,
    layers: int = 2,
    heads: int = 2,
    image_size: int = 32,
    patch_size: int = 8,
    projection_dim: int = 16,
    seed: int = 0,
) -> Path:
    """Save a random transformers CLIPModel with tokenizer and image processor to `directory`.

    Defaults give a ~0.6 M parameter model; width=768, layers=12, heads=12, image_size=224,
    patch_size=32, projection_dim=512 gives ViT-B/32's shape (for throughput figures).
    """
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPTokenizer

    directory = Path(directory)
    vocab_file, merges_file = clip_bpe_files(directory / "bpe", vocabulary_words())
    # files positional (see research notes); 77 tokens, as CLIP, so long prompts truncate
    tokenizer = CLIPTokenizer(str(vocab_file), str(merges_file), model_max_length=77)
    size = len(tokenizer)
    tower = {
        "hidden_size": width,
        "intermediate_size": 4 * width,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
    }
    config = CLIPConfig(
        text_config={
            **tower,
            "vocab_size": size,
            "max_position_embeddings": 77,
            "bos_token_id": size - 2,
            "eos_token_id": size - 1,
            "pad_token_id": size - 1,
        },
        vision_config={**tower, "image_size": image_size, "patch_size": patch_size},
        projection_dim=projection_dim,
    )
    torch.manual_seed(seed)
    CLIPModel(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    CLIPImageProcessor(
        size={"shortest_edge": image_size}, crop_size={"height": image_size, "width": image_size}
    ).save_pretrained(directory)
    return directory


def build_siglip(directory: Path, width: int = 32, layers: int = 2, seed: int = 0) -> Path:
    """Save a random transformers SiglipModel to `directory`.

    Real SigLIP tokenizers are SentencePiece files from the hub; this one reuses the CLIP BPE
    above with a 16-token context, enough to exercise SigLIP's max_length padding and pooling.
    """
    import torch
    from transformers import CLIPTokenizer, SiglipConfig, SiglipImageProcessor, SiglipModel

    directory = Path(directory)
    vocab_file, merges_file = clip_bpe_files(directory / "bpe", vocabulary_words())
    tokenizer = CLIPTokenizer(str(vocab_file), str(merges_file), model_max_length=16)
    size = len(tokenizer)
    tower = {
        "hidden_size": width,
        "intermediate_size": 4 * width,
        "num_hidden_layers": layers,
        "num_attention_heads": 2,
    }
    config = SiglipConfig(
        text_config={
            **tower,
            "vocab_size": size,
            "max_position_embeddings": 16,
            "bos_token_id": size - 2,
            "eos_token_id": size - 1,
            "pad_token_id": size - 1,
        },
        vision_config={**tower, "image_size": 32, "patch_size": 8},
    )
    torch.manual_seed(seed)
    SiglipModel(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    SiglipImageProcessor(size={"height": 32, "width": 32}).save_pretrained(directory)
    return directory
