"""What a run records about itself: its progress in each checkpoint (`state.json`) and, once
finished, the summary beside the model (`training.json`)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from comco.train.config import TrainConfig


class LossPoint(BaseModel):
    """Mean loss over the steps since the previous point, and the training rate there."""

    step: int
    loss: float
    images_per_s: float


class TrainState(BaseModel):
    """Progress saved with each checkpoint; `step` steps are in its weights."""

    config: TrainConfig
    step: int = 0
    data_digest: str = Field(description="sha256 (12 hex) of the training scene ids")
    n_train: int = Field(description="training scenes")
    held_out: int = Field(description="binding scenes never trained on (val and test splits)")
    parameters: int
    seconds: float = Field(0.0, description="training time over every session of the run")
    sessions: int = Field(0, description="processes that trained it (1 = never resumed)")
    history: list[LossPoint] = Field(default_factory=list)


class TrainSummary(TrainState):
    """`training.json`: written last, so its presence marks a finished model folder."""

    images_per_s: float = Field(description="training images per second, whole run")
