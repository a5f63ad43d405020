"""What a render engine is to a run: something that renders a list of tasks on workers.

The run (`comco.runner.run`) owns the folder, resume, the journal and the summary; an engine
only places `comco.runner.feeder.Feeder` loops somewhere (threads here, Ray actors on a
cluster) and hands every outcome to the run's `Ledger`, which applies the crash policy and
says when a task goes back in the queue.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

from comco.dataset.folder import DatasetFolder
from comco.runner.feeder import FeedSetup
from comco.runner.ledger import Ledger
from comco.runner.tasks import Task


class RunError(RuntimeError):
    """The run cannot go on (a worker could not start: no device, broken library)."""


class Engine(Protocol):
    """A way to run workers: local threads or Ray actors."""

    def session(self) -> AbstractContextManager[None]:
        """Held around the whole run; entered before the folder is touched."""
        ...

    def render(
        self, todo: list[Task], folder: DatasetFolder, setup: FeedSetup, ledger: Ledger
    ) -> dict[str, Any]:
        """Render `todo` (every task settled in `ledger` before it returns); return the
        engine's fields of the run summary."""
        ...
