"""The `openclip:` encoder end to end on a small randomly initialised open_clip model built
offline (no pretrained weights), saved as a local-dir model the way a user saves real weights.
Skipped where open_clip does not import (it needs a torchvision built for the installed torch).
Plumbing only: no number from random weights is asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from comco.cli import main
from support.scenes import eval_dataset

pytestmark = pytest.mark.models

TINY = {
    "embed_dim": 16,
    "vision_cfg": {"image_size": 32, "layers": 2, "width": 32, "head_width": 16, "patch_size": 8},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 2},
}


def random_open_clip(folder: Path) -> Path:
    """A random open_clip CLIP in open_clip's local-dir layout (config + weights)."""
    try:
        import open_clip
    except Exception as error:  # a torch/torchvision mismatch raises RuntimeError
        pytest.skip(f"open_clip does not import here: {error.__class__.__name__}: {error}")
    import torch

    torch.manual_seed(0)
    model = open_clip.CLIP(**TINY)
    folder.mkdir(parents=True)
    (folder / "open_clip_config.json").write_text(json.dumps({"model_cfg": TINY}))
    torch.save(model.state_dict(), folder / "open_clip_pytorch_model.bin")
    return folder


def test_a_random_open_clip_model_embeds_and_evaluates(tmp_path: Path) -> None:
    from comco.eval.encoders import load_encoder

    folder = random_open_clip(tmp_path / "tiny-open-clip")
    renders = eval_dataset(tmp_path / "renders", n_images=3)
    encoder = load_encoder(f"openclip:local-dir:{folder}", "cpu", 4)
    assert encoder.encode_text(["a cube and a sphere", "a cube"]).shape == (2, 16)
    image = next((renders / "images").rglob("*.png"))
    assert encoder.encode_images([image]).shape == (1, 16)

    out = tmp_path / "results"
    args = ["eval", "--dataset", str(renders), "--model", f"openclip:local-dir:{folder}",
            "--task", "tor_list,tor_paper,ior,itm", "--list-queries", "20", "--out", str(out),
            "--cache-dir", str(tmp_path / "cache"), "--bootstrap", "20",
            "--device", "cpu"]  # fmt: skip
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (run,) = json.loads((out / "results.json").read_text())["runs"]
    assert [r["task"] for r in run["results"]] == ["tor_list", "tor_paper", "ior", "itm"]
