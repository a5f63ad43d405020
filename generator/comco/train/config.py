"""What a training run is: the data, the caption knobs, the schedule and the model. Saved
with every checkpoint, so a resumed run refuses a changed configuration."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from comco.core.knobs import CaptionKnobs
from comco.train.model import ModelShape


class TrainConfig(BaseModel):
    """One run; the learning-rate schedule depends on `steps`, so a resume keeps them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str = Field(description="rendered folder, export folder or hf:ORG/NAME")
    knobs: CaptionKnobs | None = Field(
        None, description="every caption's knobs, replacing the specs' own (none: the specs')"
    )
    steps: int = Field(1000, ge=1)
    batch_size: int = Field(128, ge=2, description="images per step, one caption each")
    learning_rate: float = Field(1e-3, gt=0)
    weight_decay: float = Field(0.1, ge=0)
    warmup: int = Field(100, ge=0, description="steps of linear warm-up before cosine decay")
    seed: int = 0
    threads: int = Field(
        1, ge=1, description="torch CPU threads; more stall on a shared machine (and change sums)"
    )
    checkpoint_every: int = Field(200, ge=1, description="steps between saved checkpoints")
    shape: ModelShape = Field(default_factory=ModelShape)
    init: str | None = Field(None, description="CLIP folder to start from instead of random")

    @model_validator(mode="after")
    def _check(self) -> TrainConfig:
        if self.warmup >= self.steps:
            raise ValueError(f"warmup: {self.warmup} must be below steps ({self.steps})")
        return self

    def same_run(self, other: TrainConfig) -> list[str]:
        """Fields that differ from `other`, ignoring those that change no weight (the data is
        compared by its training ids, so a moved dataset folder still resumes)."""
        free = {"checkpoint_every", "dataset"}
        mine, theirs = self.model_dump(exclude=free), other.model_dump(exclude=free)
        return sorted(k for k in mine if mine[k] != theirs[k])
