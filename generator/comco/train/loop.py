"""The training loop: transformers' CLIPModel and its symmetric contrastive loss, AdamW with
linear warm-up then cosine decay, batches and caption draws that depend only on the seed and
the step. So a run killed and resumed from its last checkpoint ends with the same weights as
one never stopped (CPU kernels are deterministic at a fixed thread count; no dropout)."""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import transformers
from tqdm import tqdm

from comco.train import model as models
from comco.train.checkpoint import load_checkpoint, read_summary, save_checkpoint, write_model
from comco.train.config import TrainConfig
from comco.train.data import TrainingSet, draw_seed, fit_normalisation, load_training_set
from comco.train.state import LossPoint, TrainState, TrainSummary


class ResumeError(ValueError):
    """The folder holds another run than the one asked for."""


def schedule(config: TrainConfig, step: int) -> float:
    """Learning-rate factor at `step`: linear warm-up, then cosine to zero."""
    if step < config.warmup:
        return (step + 1) / config.warmup
    progress = (step - config.warmup) / max(1, config.steps - config.warmup)
    return 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def batch_indices(config: TrainConfig, n: int, step: int) -> tuple[int, np.ndarray]:
    """(epoch, image indices) of `step`: each epoch a seeded permutation, the last partial
    batch dropped, so every step sees `batch_size` distinct images."""
    per_epoch = n // config.batch_size
    epoch, position = divmod(step, per_epoch)
    order = np.random.default_rng(np.random.SeedSequence([config.seed, 1, epoch])).permutation(n)
    start = position * config.batch_size
    return epoch, order[start : start + config.batch_size]


class Tokens:
    """Token ids of captions, cached by text, padded per batch as the eval's tokenizer call
    (padding=True, truncation=True) pads them."""

    def __init__(self, tokenizer) -> None:
        self.tokenizer = tokenizer
        self.pad = tokenizer.pad_token_id
        self.cache: dict[str, list[int]] = {}

    def __call__(self, texts: list[str]) -> dict[str, torch.Tensor]:
        for text in texts:
            if text not in self.cache:
                self.cache[text] = self.tokenizer(text, truncation=True)["input_ids"]
        rows = [self.cache[t] for t in texts]
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), self.pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = 1
        return {"input_ids": ids, "attention_mask": mask}


def _start(config: TrainConfig, out: Path):
    """The model, optimizer states and run state to go on from (a checkpoint, or new)."""
    saved = load_checkpoint(out)
    if saved is not None:
        differ = config.same_run(saved.state.config)
        if differ:
            raise ResumeError(
                f"train: {out} holds a run with other {', '.join(differ)}; expected the same "
                "run to resume (or a new --out)"
            )
        return saved.parts, saved.optimizer, saved.scheduler, saved.state
    if config.init is not None:
        return models.load(Path(config.init)), None, None, None
    with tempfile.TemporaryDirectory() as scratch:
        return models.build(config.shape, config.seed, Path(scratch)), None, None, None


def train(config: TrainConfig, out: Path, progress: bool = True) -> TrainSummary:
    """Train into `out`, going on from its last checkpoint; returns the finished run's summary
    (at once when `out` already holds this finished run)."""
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(config.threads)
    if not progress:
        transformers.utils.logging.disable_progress_bar()
    finished = read_summary(out)
    if finished is not None:
        differ = config.same_run(finished.config)
        if differ:
            raise ResumeError(
                f"train: {out} holds a finished run with other {', '.join(differ)}; "
                "expected the same run (or a new --out)"
            )
        return finished
    parts, optimizer_state, scheduler_state, state = _start(config, out)
    data = load_training_set(config.dataset, parts.processor)
    if len(data) < config.batch_size:
        raise ValueError(
            f"batch_size: {config.batch_size} exceeds the {len(data)} training scenes of "
            f"{data.source}; expected at most {len(data)}"
        )
    if state is None:
        if config.init is None:
            fit_normalisation(data, parts.processor)
        state = TrainState(
            config=config,
            data_digest=data.digest,
            n_train=len(data),
            held_out=data.held_out,
            parameters=models.parameter_count(parts.model),
        )
    elif state.data_digest != data.digest:
        raise ResumeError(
            f"dataset: {config.dataset} gives training ids {data.digest}, but {out} was "
            f"trained on {state.data_digest}; expected the same training scenes"
        )
    state.sessions += 1
    model = parts.model.train()
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay
    )
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: schedule(config, s))
    if optimizer_state is not None:
        optimizer.load_state_dict(optimizer_state)
        scheduler.load_state_dict(scheduler_state)
    state = _run(config, out, parts, data, optimizer, scheduler, state, progress)
    summary = TrainSummary(
        **state.model_dump(),
        images_per_s=state.step * config.batch_size / max(state.seconds, 1e-9),
    )
    write_model(out, parts, summary)
    return summary


def _run(
    config: TrainConfig,
    out: Path,
    parts: models.Parts,
    data: TrainingSet,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LambdaLR,
    state: TrainState,
    progress: bool,
) -> TrainState:
    tokens = Tokens(parts.tokenizer)
    model = parts.model
    bar = tqdm(
        total=config.steps, initial=state.step, disable=not progress, desc="train", unit="step"
    )
    losses: list[float] = []
    window_start, window_images = time.perf_counter(), 0
    while state.step < config.steps:
        epoch, indices = batch_indices(config, len(data), state.step)
        texts = [data.caption(int(i), config.knobs, draw_seed(config.seed, epoch, int(i)))
                 for i in indices]  # fmt: skip
        output = model(
            pixel_values=data.images(torch.from_numpy(indices)), return_loss=True, **tokens(texts)
        )
        optimizer.zero_grad(set_to_none=True)
        output.loss.backward()
        optimizer.step()
        scheduler.step()
        state.step += 1
        losses.append(output.loss.detach().item())
        window_images += len(indices)
        elapsed = time.perf_counter() - window_start
        bar.update(1)
        bar.set_postfix(loss=f"{losses[-1]:.3f}", img_s=f"{window_images / elapsed:.0f}")
        if state.step % config.checkpoint_every == 0 or state.step == config.steps:
            state.seconds += elapsed
            state.history.append(
                LossPoint(
                    step=state.step,
                    loss=float(np.mean(losses)),
                    images_per_s=window_images / elapsed,
                )
            )
            save_checkpoint(out, parts, optimizer.state_dict(), scheduler.state_dict(), state)
            losses, window_start, window_images = [], time.perf_counter(), 0
    bar.close()
    return state
