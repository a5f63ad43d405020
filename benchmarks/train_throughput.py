"""Training images/s of `comco train` and the wall time of one data-properties grid cell
(train, then the binding task and colour probes on the held-out scenes), on a rendered
binding set. The machine's other load shows in every figure: run it alone when you can.

    nice .venv/bin/python benchmarks/train_throughput.py --dataset renders/binding64 \
        [--steps 200] [--batch-size 128] [--threads 1] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import torch

from comco.eval.dataset import load_dataset
from comco.train.config import TrainConfig
from comco.train.experiment import run_cell
from comco.train.grid import Cell
from comco.train.model import ModelShape, build, parameter_count


def step_rate(shape: ModelShape, batch: int, device: str, steps: int = 20) -> float:
    """Forward + backward + AdamW images/s of the bare model on random inputs (no data
    loading or captioning): the ceiling the training loop can reach."""
    with tempfile.TemporaryDirectory() as scratch:
        model = build(shape, 0, Path(scratch)).model.to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    pixels = torch.randn(batch, 3, shape.image_size, shape.image_size, device=device)
    ids = torch.randint(0, model.config.text_config.vocab_size - 2, (batch, 14), device=device)
    ids[:, -1] = model.config.text_config.eos_token_id
    for step in range(steps + 3):
        if step == 3:
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            start = time.perf_counter()
        loss = model(pixel_values=pixels, input_ids=ids, return_loss=True).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    return steps * batch / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dataset", default="renders/binding64")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="bare-model rate only; cells run on CPU")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    shape = ModelShape()
    rate = step_rate(shape, args.batch_size, args.device)
    with tempfile.TemporaryDirectory() as scratch:
        probe = build(shape, 0, Path(scratch)).model
    print(f"model: {shape.model_dump()}, {parameter_count(probe) / 1e6:.2f} M parameters")
    print(f"bare model, batch {args.batch_size}, {args.device}: {rate:.0f} images/s")
    out = Path(tempfile.mkdtemp(prefix="train-bench-"))
    try:
        base = TrainConfig(
            dataset=args.dataset, steps=args.steps, batch_size=args.batch_size,
            warmup=args.steps // 10, checkpoint_every=args.steps, threads=args.threads,
        )  # fmt: skip
        start = time.perf_counter()
        data = load_dataset(args.dataset)
        cell = Cell((("attribute_density", 1.0),), 0)
        result = run_cell(cell, base, {}, data, out, probe_seeds=3, progress=False)
        wall = time.perf_counter() - start
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(
        f"comco train, {result.steps} steps x {args.batch_size} on {result.n_train} scenes: "
        f"{result.train_images_per_s:.0f} images/s ({result.train_seconds:.1f} s in steps)"
    )
    print(
        f"one grid cell: {wall:.1f} s wall (training {result.train_seconds:.1f} s, evaluation "
        f"on {result.n_test} held-out scenes {result.eval_seconds:.1f} s, the rest loading)"
    )


if __name__ == "__main__":
    main()
