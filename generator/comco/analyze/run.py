"""One `comco analyze` run: stream the captions against the instances, build the tables,
derive the generator knobs that would reproduce the corpus, write results.json and the report."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from pydantic import BaseModel, Field
from tqdm import tqdm

from comco.analyze.coco import AreaSource, iter_captions, load_instances
from comco.analyze.ledger import Ledger
from comco.analyze.mentions import find_mentions, named_categories
from comco.analyze.stats import NOT_IN_INSTANCES, TOTAL, TOTAL_ORDER, CaptionStats, layout
from comco.analyze.words import build_lexicon, tokenize, vocabulary_misses
from comco.core.knobs import CaptionOrder
from comco.eval.results import Table


class SuggestedKnobs(BaseModel):
    """Binding-data knobs of `comco sample`/`comco captions` that would reproduce the corpus."""

    completeness: float | None
    attribute_density: float | None
    order: CaptionOrder | None = Field(
        description="never `spec`: real captions have no sampler order"
    )
    saliency_bias: float | None = Field(
        None,
        description="share of captions naming k >= 2 categories largest first throughout: "
        "the sampler's saliency bias, whose other orders are never largest first",
    )
    why: list[str] = Field(description="how each knob was read off the tables")

    def flags(self) -> str:
        """The knobs as `comco sample`/`comco captions` options; a measured saliency bias
        replaces the all-or-nothing order (the two options exclude each other)."""
        parts = []
        if self.completeness is not None:
            parts.append(f"--completeness {self.completeness:.2f}")
        if self.attribute_density is not None:
            parts.append(f"--attribute-density {self.attribute_density:.2f}")
        if self.saliency_bias is not None:
            parts.append(f"--saliency-bias {self.saliency_bias:.2f}")
        elif self.order is not None:
            parts.append(f"--order {self.order}")
        return " ".join(parts)


class CategoryNaming(BaseModel):
    """How often a category is named by captions of images where it is above --min-area."""

    category: str
    present: int
    named: int


class AnalyzeRun(BaseModel):
    """The whole output of one `comco analyze` call (results.json)."""

    captions_file: str
    instances_file: str
    comco_version: str
    area: AreaSource
    min_area: float = Field(description="share of the image area a category needs to count")
    n_images: int
    counts: dict[str, int]
    tables: list[Table]
    naming: list[CategoryNaming]
    named_not_annotated: dict[str, int]
    unmatched_examples: list[str] = Field(
        description="the first captions naming no annotated category of their image"
    )
    vocabulary_misses: list[str]
    knobs: SuggestedKnobs

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)


def analyze(
    captions: Path,
    instances: Path,
    area: AreaSource = "mask",
    min_area: float = 0.01,
    n_boot: int = 1000,
    seed: int = 0,
    progress: bool = False,
) -> AnalyzeRun:
    """Measure the corpus; files are streamed, errors are `CocoFormatError` one-liners."""
    data = load_instances(instances, area)
    lexicon = build_lexicon(data.categories)
    stats = CaptionStats(Ledger(len(data.rows), layout()))
    for image_id, caption in tqdm(
        iter_captions(captions), unit=" captions", disable=None if progress else True, mininterval=2
    ):
        row = data.rows.get(image_id)
        if row is None:
            stats.skip(NOT_IN_INSTANCES)
            continue
        named = named_categories(find_mentions(tokenize(caption), lexicon))
        stats.add(row, data.objects(row), min_area * float(data.image_area[row]), named, caption)
    if stats.counts[NOT_IN_INSTANCES] == stats.counts["captions"]:
        raise ValueError(
            f"--captions {captions}: no caption's image_id is in --instances {instances}; "
            "expected the two files of one dataset split"
        )
    tables = _tables(stats.ledger, n_boot, seed)
    return AnalyzeRun(
        captions_file=str(captions),
        instances_file=str(instances),
        comco_version=version("comco"),
        area=area,
        min_area=min_area,
        n_images=len(data.rows),
        counts=dict(sorted(stats.counts.items())),
        tables=tables,
        naming=sorted(
            (
                CategoryNaming(category=c, present=n, named=stats.named_when_present[c])
                for c, n in stats.present.items()
            ),
            key=lambda x: (x.named / x.present, x.category),
        ),
        named_not_annotated=dict(
            sorted(stats.named_not_annotated.items(), key=lambda x: (-x[1], x[0]))
        ),
        unmatched_examples=stats.unmatched_examples,
        vocabulary_misses=vocabulary_misses(data.categories),
        knobs=suggest_knobs(tables),
    )


def _tables(ledger: Ledger, n_boot: int, seed: int) -> list[Table]:
    return [
        ledger.table(
            "first_largest",
            "Is the first-named category the largest? (captions naming k annotated categories)",
            "% of captions",
            n_boot,
            seed,
            total=TOTAL_ORDER,
        ),
        ledger.table(
            "first_rank",
            "Size rank of the first-named category (1 = largest)",
            "% of captions",
            n_boot,
            seed,
        ),
        ledger.table(
            "spearman",
            "Mention rank vs size rank (+1: always largest first)",
            "mean Spearman ρ over captions",
            n_boot,
            seed,
            total=TOTAL_ORDER,
            scale=0.01,
        ),
        ledger.table(
            "completeness",
            "Completeness: annotated categories above --min-area that the caption names, "
            "by how many the image has",
            "% of categories (largest: % of captions)",
            n_boot,
            seed,
            total=TOTAL,
        ),
        ledger.table(
            "attributes",
            "Attribute density: named categories with attribute words before them, "
            "by mention position",
            "% of named categories",
            n_boot,
            seed,
            total=TOTAL,
        ),
    ]


def suggest_knobs(tables: list[Table]) -> SuggestedKnobs:
    """Completeness and attribute density are the pooled shares. The order knob is all or
    nothing, so the suggestion is the setting whose share of first-named-is-largest lies
    nearest the measured one: saliency (100%), random (chance, 1/k) or reverse-saliency (0%).
    `spec` (the sampler's own order) has no counterpart in real captions. The saliency bias
    is the share of captions naming their categories largest first throughout: with bias p
    the sampler names them so with probability p and otherwise in an order that is not."""
    by_name = {t.name: {r.group: r for r in t.rows} for t in tables}
    why = []
    completeness = attribute_density = None
    order: CaptionOrder | None = None
    saliency_bias: float | None = None
    if TOTAL in by_name["completeness"]:
        cell = by_name["completeness"][TOTAL].cells["categories named"]
        completeness = round(cell.pct / 100, 2)
        why.append(f"completeness: captions name {cell.pct:.1f}% of the categories present")
    if TOTAL in by_name["attributes"]:
        cell = by_name["attributes"][TOTAL].cells["with a colour word"]
        attribute_density = round(cell.pct / 100, 2)
        why.append(f"attribute density: {cell.pct:.1f}% of named categories get a colour word")
    if TOTAL_ORDER in by_name["first_largest"]:
        row = by_name["first_largest"][TOTAL_ORDER]
        hit, chance = row.cells["first named is largest"], row.cells["chance (1/k)"].pct
        settings: dict[CaptionOrder, float] = {
            "reverse-saliency": 0.0,
            "random": chance,
            "saliency": 100.0,
        }
        order = min(settings, key=lambda name: abs(settings[name] - hit.pct))
        why.append(
            f"order: the first-named category is the largest in {hit.pct:.1f}% "
            f"[{hit.lo:.1f}, {hit.hi:.1f}] of captions naming k ≥ 2 (random order: {chance:.1f}%, "
            f"saliency: 100%, reverse-saliency: 0%), nearest: {order}"
        )
        ordered = row.cells["named largest first throughout"]
        saliency_bias = round(ordered.pct / 100, 2)
        why.append(
            f"saliency bias: {ordered.pct:.1f}% [{ordered.lo:.1f}, {ordered.hi:.1f}] of "
            "captions naming k ≥ 2 name their categories largest first throughout"
        )
    else:
        why.append("order: no caption names two annotated categories, so no order is suggested")
    return SuggestedKnobs(
        completeness=completeness,
        attribute_density=attribute_density,
        order=order,
        saliency_bias=saliency_bias,
        why=why,
    )
