"""TOR variants from the ComCO paper's code: the sum of single-object embeddings (`_Sum`),
the caption inside a longer descriptive prompt (`_LongPrompt`), and TOR by the vocabulary's
real-world size class (are large real-world objects retrieved more?)."""

from __future__ import annotations

from comco.captions.plain import caption_style
from comco.core.catalog import SizeClass, load_vocabulary
from comco.eval.results import Tally, TaskResult
from comco.eval.tasks.context import EvalContext
from comco.eval.tasks.text import retrieve, tor_by_position

LONG_PROMPT = "This vibrant display features {objects}, shown in crisp detail."


def tor_sum(context: EvalContext) -> TaskResult:
    """TOR whose query is the sum of the caption's single-object embeddings (order-free)."""
    result = tor_by_position(context, None, restrict=False, task="tor_sum", summed=True)
    result.notes.append(
        "Query: the sum of the normalised single-object caption embeddings of the scene's "
        "objects, so every order gives the same query; equal shares by position mean no order bias."
    )
    return result


def tor_long(context: EvalContext) -> TaskResult:
    """TOR with caption and targets inside a longer descriptive prompt."""
    return tor_by_position(context, caption_style(LONG_PROMPT), restrict=False, task="tor_long")


def tor_size(context: EvalContext) -> TaskResult:
    """The retrieved object's real-world size class, beside the share of named objects in
    each class (what a retriever blind to size would give)."""
    vocabulary = load_vocabulary()
    retrieved = retrieve(context, None, restrict=False)
    columns = [c.value for c in SizeClass] + ["none"]
    tally = Tally()
    for spec, captions, picks in retrieved.scenes:
        own = list(dict.fromkeys(spec.categories))
        group = f"{len(own)} objects"
        hits = dict.fromkeys(columns, 0.0)
        for choice in picks:
            hits[vocabulary.category(choice).size_class.value if choice in own else "none"] += 1
        n = float(len(captions))
        tally.add_image(group, columns, hits, dict.fromkeys(columns, n), len(captions))
        named = dict.fromkeys(columns, 0.0)
        for category in own:
            named[vocabulary.category(category).size_class.value] += n / len(own)
        tally.add_image(f"{group}, named", columns, named, dict.fromkeys(columns, n), 0)
    table = tally.table(
        "by_size_class",
        "Real-world size class (vocabulary size_class) of the object retrieved from all "
        "single-object captions; ', named' rows: share of the named objects in each class",
        "% of captions",
        context.n_boot,
        context.seed,
    )
    return TaskResult(
        task="tor_size",
        model=context.model,
        tables=[table],
        notes=[
            "A class retrieved more often than its ', named' share is favoured beyond its "
            "frequency. Intervals: 95% bootstrap over images."
        ],
    )
