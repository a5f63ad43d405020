"""TOR by the vocabulary's real-world size class: are large real-world objects retrieved more
often than their share of the named objects? (The paper's own size variant is
`tor_list.tor_size`, on its word lists.)"""

from __future__ import annotations

from comco.core.catalog import SizeClass, load_vocabulary
from comco.eval.results import Tally, TaskResult
from comco.eval.tasks.context import EvalContext
from comco.eval.tasks.text import retrieve


def tor_size_class(context: EvalContext) -> TaskResult:
    """The retrieved object's real-world size class, beside the share of named objects in
    each class (what a retriever blind to size would give)."""
    vocabulary = load_vocabulary()
    retrieved = retrieve(context, None, restrict=False)
    columns = [c.value for c in SizeClass] + ["none"]
    tally = Tally()
    for scene in retrieved.scenes:
        own = scene.own
        group = f"{len(own)} objects"
        hits = dict.fromkeys(columns, 0.0)
        for choice in scene.picks:
            hits[vocabulary.category(choice).size_class.value if choice in own else "none"] += 1
        n = float(len(scene.texts))
        tally.add_image(group, columns, hits, dict.fromkeys(columns, n), len(scene.texts))
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
        task="tor_size_class",
        model=context.model,
        tables=[table],
        notes=[
            "A class retrieved more often than its ', named' share is favoured beyond its "
            "frequency. Intervals: 95% bootstrap over images."
        ],
    )
