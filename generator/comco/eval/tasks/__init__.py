"""The evaluation tasks by name: what each needs and which protocol it follows.

A task is a function `(EvalContext) -> TaskResult` registered here with a `TaskInfo`:
- `needs`: the modalities ("text", "image") and record fields (`comco.eval.dataset`:
  "annotation", "gallery") it uses; a model or dataset lacking one skips it, with the reason;
- `protocol`: its entry in docs/PROTOCOLS.md (the report links every table there);
- `paper_tables`: the names of its tables computed the way a paper computed them; only these
  are ever shown beside published figures (`comco/data/paper_results.yaml`).
A task that finds nothing to measure raises NotImplementedError(reason): recorded as skipped.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from comco.eval.dataset import ANNOTATION, GALLERY
from comco.eval.results import TaskResult
from comco.eval.tasks.context import EvalContext


@dataclass(frozen=True)
class TaskInfo:
    """Where a task lives, what it needs, and one line for the report."""

    target: str
    needs: frozenset[str]
    summary: str
    protocol: str
    paper_tables: frozenset[str] = frozenset()

    def run(self, context: EvalContext) -> TaskResult:
        module_name, attribute = self.target.split(":")
        function: Callable[[EvalContext], TaskResult] = getattr(
            importlib.import_module(module_name), attribute
        )
        return function(context)


_TEXT = frozenset({"text"})
_BOTH = frozenset({"text", "image"})
_IMAGE = frozenset({"image"})
_A = frozenset({ANNOTATION})
_G = frozenset({GALLERY})
_TOP_N = frozenset({"correct_top_n"})
_BOTH_FIGURES = frozenset({"by_position", "correct_top_n"})  # the ComCO scripts print both

TASKS: dict[str, TaskInfo] = {
    "tor_list": TaskInfo(
        "comco.eval.tasks.tor_list:tor_list",
        _TEXT,
        "TOR as the paper measured it (Tables 1, 5): combinations of its name list, "
        "'X and Y', against the list's single names; no renders needed.",
        "tor_list",
        _BOTH_FIGURES,
    ),
    "tor_long": TaskInfo(
        "comco.eval.tasks.tor_list:tor_long",
        _TEXT,
        "TOR with each listed name in its own descriptive clause of one long sentence "
        "(the paper's _LongPrompt), against bare names.",
        "tor_long",
        _BOTH_FIGURES,
    ),
    "tor_sum": TaskInfo(
        "comco.eval.tasks.tor_list:tor_sum",
        _TEXT,
        "TOR whose query is the sum of the listed names' embeddings (the paper's _Sum): "
        "position effects from the list order alone.",
        "tor_sum",
        _BOTH_FIGURES,
    ),
    "tor_size": TaskInfo(
        "comco.eval.tasks.tor_list:tor_size",
        _TEXT,
        "TOR on 'big and small' vs 'small and big' name pairs (the paper's _SizeCategory).",
        "tor_size",
        _BOTH_FIGURES,
    ),
    "tor": TaskInfo(
        "comco.eval.tasks.text:tor",
        _TEXT | _A,
        "Text-based object retrieval on the dataset's own captions, every order of each scene, "
        "vs every single-object caption.",
        "tor",
    ),
    "tor_paper": TaskInfo(
        "comco.eval.tasks.text:tor_paper",
        _TEXT,
        "TOR with the bare 'X and Y' template over every order of each image's objects.",
        "tor_paper",
    ),
    "tor_own": TaskInfo(
        "comco.eval.tasks.text:tor_own",
        _TEXT | _A,
        "Zero-shot TOR among the caption's own objects only (no training).",
        "tor_own",
    ),
    "tor_size_class": TaskInfo(
        "comco.eval.tasks.size_class:tor_size_class",
        _TEXT | _A,
        "TOR by the retrieved object's real-world size class, beside the named objects' shares.",
        "tor_size_class",
    ),
    "toc_list": TaskInfo(
        "comco.eval.tasks.toc_list:toc_list",
        _TEXT,
        "TOC as the paper measured it: unique, balanced sentences over its name list, a linear "
        "head per position on normalised text embeddings, last epoch; no renders needed.",
        "toc_list",
        frozenset({"by_position"}),
    ),
    "toc": TaskInfo(
        "comco.eval.tasks.probes:toc",
        _TEXT | _A,
        "Text-based object classification: a linear head per caption position, trained on "
        "frozen text embeddings, predicts the object (and colour) named there.",
        "toc",
    ),
    "ior": TaskInfo(
        "comco.eval.tasks.image:ior",
        _IMAGE | _G,
        "Image-based object retrieval: multi-object image vs every single-object gallery image "
        "(Table 2 as 'correct top-n').",
        "ior",
        _TOP_N,
    ),
    "ior_own": TaskInfo(
        "comco.eval.tasks.image:ior_own",
        _IMAGE | _G | _A,
        "Zero-shot IOR among the gallery images of the image's own objects (no training).",
        "ior_own",
    ),
    "ioc": TaskInfo(
        "comco.eval.tasks.probes:ioc",
        _IMAGE,
        "Image-based object classification: a linear head per file-name slot (the paper's) "
        "and per measured size rank (ours), on frozen image embeddings, predicts the category.",
        "ioc",
        frozenset({"by_name_slot"}),
    ),
    "i2tor": TaskInfo(
        "comco.eval.tasks.image:i2tor",
        _BOTH | _A,
        "Image-to-text object retrieval: multi-object image vs every single-object caption.",
        "i2tor",
    ),
    "itm": TaskInfo(
        "comco.eval.tasks.itm:itm",
        _BOTH | _A,
        "Image-text matching as the paper measured it (Table 6): large object first or last, "
        "every absent category.",
        "itm",
        frozenset({"accuracy"}),
    ),
    "itm_captions": TaskInfo(
        "comco.eval.tasks.itm:itm_captions",
        _BOTH | _A,
        "Image-text matching on the dataset's own ITM caption pairs (helpful / adversarial).",
        "itm_captions",
    ),
    "attention": TaskInfo(
        "comco.eval.tasks.attention:attention",
        _IMAGE | _A,
        "Share of the CLS token's attention that lands on each object (ViT towers; Fig. 3).",
        "attention",
    ),
    "binding": TaskInfo(
        "comco.eval.tasks.binding:binding",
        _BOTH | _A,
        "Attribute binding (LABCLIP): image vs its caption vs tagged negatives, caption "
        "retrieval recall@1/5 and how often the attribute-swapped caption wins.",
        "binding",
    ),
    "binding_labclip": TaskInfo(
        "comco.eval.tasks.binding_labclip:binding_labclip",
        _BOTH | _A,
        "Attribute binding as LABCLIP measured it: recall@1/5/10 and reverse recall against "
        "the configuration's full caption set; swap accuracy with ties correct.",
        "binding_labclip",
        frozenset({"retrieval", "swap"}),
    ),
    "color_by_type": TaskInfo(
        "comco.eval.tasks.type_probes:color_by_type",
        _TEXT | _A,
        "Uni-modal binding probe as LABCLIP measured it: one probe per object type ('what "
        "colour is the cube?'), split by combination, averaged over types; image and text.",
        "color_by_type",
        frozenset({"by_object_type"}),
    ),
    "color_probe": TaskInfo(
        "comco.eval.tasks.probes:color_probe",
        _TEXT | _A,
        "Uni-modal binding probe: a linear head per object slot predicts the object's colour "
        "from the image embedding and from the caption's text embedding.",
        "color_probe",
    ),
    "relations": TaskInfo(
        "comco.eval.tasks.relations:relations",
        _BOTH | _A,
        "Spatial relations from measured geometry: image vs its relation caption vs the "
        "argument-swapped and relation-flipped ones, by relation and object distance.",
        "relations",
    ),
    "counting": TaskInfo(
        "comco.eval.tasks.counting:counting",
        _BOTH | _A,
        "Counting on count scenes: image vs miscounts (n-2..n+2), zero-shot count retrieval "
        "and a linear count probe on frozen image embeddings, per true count.",
        "counting",
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
