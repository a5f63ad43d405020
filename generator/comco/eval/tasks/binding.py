"""Attribute binding, LABCLIP's metrics on the binding scenes: is the image nearer its caption
than each tagged negative (attribute swap, object swap, attribute replace), does it retrieve
its own caption among every caption of the evaluated set, and how often does the
attribute-swapped caption win instead ('reverse recall')."""

from __future__ import annotations

import numpy as np

from comco.eval.align import swap_accuracy
from comco.eval.dataset import EvalRecord
from comco.eval.metrics import normalize
from comco.eval.results import Tally, TaskResult
from comco.eval.tasks.context import EvalContext

KINDS = ["attribute_swap", "object_swap", "attribute_replace"]
SWAP = "attribute_swap"


def binding_records(records: list[EvalRecord]) -> list[EvalRecord]:
    """The images that carry a binding caption; none is a NotImplementedError (skipped)."""
    kept = [r for r in records if r.annotation.captions.binding is not None]
    if not kept:
        raise NotImplementedError(
            "no image carries captions.binding; render a binding dataset (comco suite --binding)"
        )
    return kept


def top_candidates(
    queries: np.ndarray, candidates: np.ndarray, k: int, chunk: int = 256
) -> np.ndarray:
    """(queries, k) indices of the most similar candidates, best first (ties within the k to
    the lower index); in chunks, so 10k images x 70k captions never make one huge matrix."""
    k = min(k, len(candidates))
    rows = []
    for start in range(0, len(queries), chunk):
        similarity = queries[start : start + chunk] @ candidates.T
        best = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        values = np.take_along_axis(similarity, best, axis=1)
        order = np.lexsort((best, -values), axis=1)
        rows.append(np.take_along_axis(best, order, axis=1))
    return np.concatenate(rows) if rows else np.zeros((0, k), dtype=int)


def binding(context: EvalContext) -> TaskResult:
    """Pairwise accuracy per negative kind, and caption retrieval over the whole set."""
    records = binding_records(context.dataset.records)
    images = normalize(context.encoder.encode_images([r.image_path for r in records]))
    captions = [r.annotation.captions.binding for r in records]
    candidates = list(
        dict.fromkeys(t for c in captions for t in [c.caption.text, *(n.text for n in c.negatives)])
    )
    vectors = normalize(context.encoder.encode_text(candidates))
    index = {t: i for i, t in enumerate(candidates)}
    ranking = top_candidates(images, vectors, 5)
    pairs, retrieval = Tally(), Tally()
    for row, (record, caption) in enumerate(zip(records, captions, strict=True)):
        group = f"{record.n_objects} objects"
        positive = index[caption.caption.text]
        hits = dict.fromkeys(KINDS, 0.0)
        counts = dict.fromkeys(KINDS, 0.0)
        for negative in caption.negatives:
            outcome = swap_accuracy(
                images[row : row + 1],
                vectors[positive : positive + 1],
                vectors[index[negative.text] : index[negative.text] + 1],
            )[0]
            hits[negative.kind] += float(outcome)
            counts[negative.kind] += 1
        pairs.add_image(group, KINDS, hits, counts, len(caption.negatives))
        swaps = {index[n.text] for n in caption.negatives if n.kind == SWAP}
        top = ranking[row]
        retrieval.add_image(
            group,
            ["R@1", "R@5", "reverse"],
            {
                "R@1": float(top[0] == positive),
                "R@5": float(positive in top[:5]),
                "reverse": float(top[0] in swaps),
            },
            {"R@1": 1.0, "R@5": 1.0, "reverse": 1.0 if swaps else 0.0},
            1,
        )
    n = len(candidates)
    chance = {"R@1": 100 / n, "R@5": min(100.0, 500 / n)}
    tables = [
        pairs.table(
            "pairwise",
            "Image nearer its caption than the negative, by negative kind (chance 50)",
            "% of pairs",
            context.n_boot,
            context.seed,
        ).model_copy(update={"chance": dict.fromkeys(KINDS, 50.0)}),
        retrieval.table(
            "retrieval",
            f"Own caption among all {n} captions and negatives of the set "
            f"(chance R@1 {chance['R@1']:.2f} %, R@5 {chance['R@5']:.2f} %); "
            "reverse: the top caption is an attribute swap of the image's own",
            "% of images",
            context.n_boot,
            context.seed,
        ).model_copy(update={"chance": chance}),
    ]
    notes = [
        "Ties count half (a bag-of-words model ties every attribute swap: 50 is chance).",
        "Intervals: 95% bootstrap over images.",
    ]
    return TaskResult(task="binding", model=context.model, tables=tables, notes=notes)
