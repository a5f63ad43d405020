"""Where the CLS token of a ViT image tower looks: its attention share on each object.

Object masks come from the annotations and pass through the model's own image processor,
so they cover the patches the tower actually sees. A share is the CLS-to-patch attention
mass (mean over heads, renormalised over patches) falling on an object's pixels.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from comco.eval.results import Tally, TaskResult
from comco.eval.tasks.context import EvalContext


def attention(context: EvalContext) -> TaskResult:
    encoder = context.encoder.encoder
    if not hasattr(encoder, "cls_attention"):
        raise NotImplementedError(
            f"model {context.model}: CLS attention is implemented for hf: CLIP models only"
        )
    records = context.dataset.records
    maps = encoder.cls_attention([r.image_path for r in records])  # (n, layers, gh, gw)
    shares, areas = Tally(), Tally()
    per_layer: dict[str, list[np.ndarray]] = defaultdict(list)
    for record, image_maps in zip(records, maps, strict=True):
        objects = record.annotation.objects
        coverage = encoder.mask_coverage([o.mask.decode() for o in objects])
        layer_share = np.einsum("lhw,ohw->ol", image_maps, coverage)  # (objects, layers)
        columns = [f"rank{i}" for i in range(1, len(objects) + 1)] + ["background"]
        attention_row = {
            f"rank{o.size_rank}": float(layer_share[j, -1]) for j, o in enumerate(objects)
        }
        attention_row["background"] = 1.0 - sum(attention_row.values())
        area_row = {f"rank{o.size_rank}": float(coverage[j].mean()) for j, o in enumerate(objects)}
        area_row["background"] = 1.0 - sum(area_row.values())
        group = record.config
        ones = dict.fromkeys(columns, 1.0)
        shares.add_image(group, columns, attention_row, ones, 1)
        areas.add_image(group, columns, area_row, ones, 1)
        for j, o in enumerate(objects):
            per_layer[o.size_role.value].append(layer_share[j])
    attention_table = shares.table(
        "attention_by_size_rank",
        "Share of last-layer CLS attention on each object, by measured size rank",
        "% of CLS attention (mean over images)",
        context.n_boot,
        context.seed,
    )
    attention_table.extra = {
        f"mean share per layer, {role} objects": np.mean(v, axis=0).tolist()
        for role, v in per_layer.items()
    }
    area_table = areas.table(
        "area_by_size_rank",
        "Share of the model's input patches each object covers (compare with attention)",
        "% of patch area (mean over images)",
        context.n_boot,
        context.seed,
    )
    return TaskResult(
        task="attention",
        model=context.model,
        tables=[attention_table, area_table],
        notes=["Attention above area share means the object draws more than its size."],
    )
