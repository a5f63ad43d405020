"""The evaluation tasks by name, with the modalities each needs."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from comco.eval.results import TaskResult
from comco.eval.tasks.context import EvalContext


@dataclass(frozen=True)
class TaskInfo:
    """Where a task lives, what it needs, and one line for the report."""

    target: str
    needs: frozenset[str]
    summary: str

    def run(self, context: EvalContext) -> TaskResult:
        module_name, attribute = self.target.split(":")
        function: Callable[[EvalContext], TaskResult] = getattr(
            importlib.import_module(module_name), attribute
        )
        return function(context)


_TEXT = frozenset({"text"})
_BOTH = frozenset({"text", "image"})
_IMAGE = frozenset({"image"})

TASKS: dict[str, TaskInfo] = {
    "tor": TaskInfo(
        "comco.eval.tasks.text:tor",
        _TEXT,
        "Text-based object retrieval: multi-object caption vs every single-object caption.",
    ),
    "tor_paper": TaskInfo(
        "comco.eval.tasks.text:tor_paper",
        _TEXT,
        "TOR with the paper's bare 'X and Y' template, for comparison with Table 1.",
    ),
    "tor_own": TaskInfo(
        "comco.eval.tasks.text:tor_own",
        _TEXT,
        "Zero-shot TOR among the caption's own objects only (no training).",
    ),
    "tor_sum": TaskInfo(
        "comco.eval.tasks.tor_variants:tor_sum",
        _TEXT,
        "TOR with the query replaced by the sum of its single-object embeddings (order-free).",
    ),
    "tor_long": TaskInfo(
        "comco.eval.tasks.tor_variants:tor_long",
        _TEXT,
        "TOR with caption and targets inside a longer descriptive prompt.",
    ),
    "tor_size": TaskInfo(
        "comco.eval.tasks.tor_variants:tor_size",
        _TEXT,
        "TOR by the retrieved object's real-world size class, beside the named objects' shares.",
    ),
    "toc": TaskInfo(
        "comco.eval.tasks.probes:toc",
        _TEXT,
        "Text-based object classification: a linear head per caption position, trained on "
        "frozen text embeddings, predicts the object (and colour) named there.",
    ),
    "ior": TaskInfo(
        "comco.eval.tasks.image:ior",
        _IMAGE,
        "Image-based object retrieval: multi-object image vs every single-object gallery image.",
    ),
    "ior_own": TaskInfo(
        "comco.eval.tasks.image:ior_own",
        _IMAGE,
        "Zero-shot IOR among the gallery images of the image's own objects (no training).",
    ),
    "ioc": TaskInfo(
        "comco.eval.tasks.probes:ioc",
        _IMAGE,
        "Image-based object classification: a linear head per measured size rank, trained on "
        "frozen image embeddings, predicts that object's category.",
    ),
    "i2tor": TaskInfo(
        "comco.eval.tasks.image:i2tor",
        _BOTH,
        "Image-to-text object retrieval: multi-object image vs every single-object caption.",
    ),
    "itm": TaskInfo(
        "comco.eval.tasks.itm:itm",
        _BOTH,
        "Image-text matching, true vs false caption, large object named first or last (Table 6).",
    ),
    "attention": TaskInfo(
        "comco.eval.tasks.attention:attention",
        _IMAGE,
        "Share of the CLS token's attention that lands on each object (ViT towers; Fig. 3).",
    ),
    "binding": TaskInfo(
        "comco.eval.tasks.binding:binding",
        _BOTH,
        "Attribute binding (LABCLIP): image vs its caption vs tagged negatives, caption "
        "retrieval recall@1/5 and how often the attribute-swapped caption wins.",
    ),
    "color_probe": TaskInfo(
        "comco.eval.tasks.probes:color_probe",
        _TEXT,
        "Uni-modal binding probe (LABCLIP): a linear head per object slot predicts the "
        "object's colour from the image embedding and from the caption's text embedding.",
    ),
    "relations": TaskInfo(
        "comco.eval.tasks.relations:relations",
        _BOTH,
        "Spatial relations from measured geometry: image vs its relation caption vs the "
        "argument-swapped and relation-flipped ones, by relation and object distance.",
    ),
    "counting": TaskInfo(
        "comco.eval.tasks.counting:counting",
        _BOTH,
        "Counting on count scenes: image vs miscounts (n-2..n+2), zero-shot count retrieval "
        "and a linear count probe on frozen image embeddings, per true count.",
    ),
}


def parse_tasks(text: str) -> list[str]:
    """'tor,ior' -> ['tor', 'ior']; 'all' -> every task."""
    names = (
        list(TASKS) if text.strip() == "all" else [t.strip() for t in text.split(",") if t.strip()]
    )
    unknown = [n for n in names if n not in TASKS]
    if unknown or not names:
        raise ValueError(
            f"task: {unknown or text!r} not known; expected 'all' or a comma list of {list(TASKS)}"
        )
    return names
