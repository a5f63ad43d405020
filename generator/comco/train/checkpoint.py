"""The run's folder: `checkpoint/` (the last saved step, swapped in whole) while it trains,
then the finished model beside it, loadable as `comco eval --model hf:OUT`.

A killed run loses only the steps since its last checkpoint. The finished model's files move
in with `config.json` second to last and `training.json` last: a folder without
`training.json` is not a finished model, and one without `config.json` does not even load.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch

from comco.io.atomic import build_folder, recover_folder, write_atomic
from comco.train.model import Parts, load
from comco.train.state import TrainState, TrainSummary

CHECKPOINT = "checkpoint"
STATE = "state.json"
OPTIMIZER = "optimizer.pt"
SUMMARY = "training.json"
LAST_FILES = ("config.json", SUMMARY)


@dataclass
class Checkpoint:
    """A saved step: the model, the optimizer and schedule states, and the run's state."""

    parts: Parts
    optimizer: dict
    scheduler: dict
    state: TrainState


def save_checkpoint(
    out: Path, parts: Parts, optimizer: dict, scheduler: dict, state: TrainState
) -> None:
    with build_folder(out / CHECKPOINT) as folder:
        parts.save(folder)
        torch.save({"optimizer": optimizer, "scheduler": scheduler}, folder / OPTIMIZER)
        write_atomic(folder / STATE, state.model_dump_json(indent=2))


def load_checkpoint(out: Path) -> Checkpoint | None:
    """The last checkpoint of a run in `out`, or None when it has none."""
    folder = out / CHECKPOINT
    recover_folder(folder)
    if not (folder / STATE).is_file():
        return None
    state = TrainState.model_validate_json((folder / STATE).read_text())
    saved = torch.load(folder / OPTIMIZER, weights_only=True)
    return Checkpoint(load(folder), saved["optimizer"], saved["scheduler"], state)


def read_summary(out: Path) -> TrainSummary | None:
    """The summary of a finished run in `out`, or None."""
    path = out / SUMMARY
    return TrainSummary.model_validate_json(path.read_text()) if path.is_file() else None


def write_model(out: Path, parts: Parts, summary: TrainSummary) -> None:
    """Save the finished model into `out` beside its checkpoint, `training.json` last."""
    staging = out / ".model.tmp-build"
    shutil.rmtree(staging, ignore_errors=True)
    parts.save(staging)
    write_atomic(staging / SUMMARY, summary.model_dump_json(indent=2))
    names = sorted(p.name for p in staging.iterdir() if p.name not in LAST_FILES)
    for name in [*names, *LAST_FILES]:
        os.replace(staging / name, out / name)
    staging.rmdir()
