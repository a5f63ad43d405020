"""report.md: the corpus's data properties written up like a paper's analysis section, each
claim with its table (95% bootstrap intervals over images) and figure."""

from __future__ import annotations

import math
from pathlib import Path

from comco.analyze.plots import plot_completeness, plot_first_mention
from comco.analyze.run import AnalyzeRun
from comco.analyze.stats import TOTAL, TOTAL_ORDER
from comco.eval.results import Cell, Table
from comco.io.atomic import write_atomic

COUNTED = {
    "first_largest": "captions",
    "first_rank": "captions",
    "spearman": "captions",
    "completeness": "captions",
    "attributes": "named categories",
}
SHOWN_CATEGORIES = 10


def estimate(cell: Cell | None, digits: int = 1) -> str:
    if cell is None or math.isnan(cell.pct):
        return "–"
    return f"{cell.pct:.{digits}f} [{cell.lo:.{digits}f}, {cell.hi:.{digits}f}]"


def table_lines(table: Table, digits: int = 1) -> list[str]:
    header = ["group", "images", COUNTED[table.name], *table.columns]
    lines = [f"**{table.title}** ({table.unit}, 95% CI)", "", "| " + " | ".join(header) + " |"]
    lines.append("|" + "---|" * len(header))
    for row in table.rows:
        cells = [estimate(row.cells.get(c), digits) for c in table.columns]
        lines.append(
            f"| {row.group} | {row.n_images} | {row.n_queries} | " + " | ".join(cells) + " |"
        )
    return [*lines, ""]


def _total(table: Table, group: str, column: str) -> Cell | None:
    row = next((r for r in table.rows if r.group == group), None)
    return row.cells.get(column) if row else None


def write_report(run: AnalyzeRun, out: Path) -> Path:
    """Write out/report.md and out/plots/*.png; returns the report's path."""
    order, rank, rho = run.table("first_largest"), run.table("first_rank"), run.table("spearman")
    completeness, attributes = run.table("completeness"), run.table("attributes")
    first = _total(order, TOTAL_ORDER, "first named is largest")
    chance = _total(order, TOTAL_ORDER, "chance (1/k)")
    mean_rho = _total(rho, TOTAL_ORDER, "Spearman ρ")
    named = _total(completeness, TOTAL, "categories named")
    largest = _total(completeness, TOTAL, "largest named")
    colour = _total(attributes, TOTAL, "with a colour word")
    any_word = _total(attributes, TOTAL, "with any attribute word")
    n_order = next((r.n_queries for r in order.rows if r.group == TOTAL_ORDER), 0)
    lines = [
        "# comco analyze report",
        "",
        f"Captions `{run.captions_file}`, instances `{run.instances_file}`: {run.n_images} images, "
        f"{run.counts.get('captions', 0)} captions; comco {run.comco_version}. Sizes are the "
        f"{'mask' if run.area == 'mask' else 'box'} area of each category's largest instance; "
        f"completeness counts categories covering at least {100 * run.min_area:g}% of the image. "
        "A caption names a category when one of its words or phrases "
        "(`comco/data/caption_words.yaml` plus the vocabulary's names and plurals) appears as "
        "whole words; only categories annotated in the caption's image take part, the others "
        "are listed at the end. Intervals are 95% bootstrap intervals over images (an image's "
        "captions resample together).",
        "",
        "## Size and mention order",
        "",
        f"Of the {n_order} captions that name at least two annotated categories, the first-named "
        f"is the largest in {estimate(first)}% (chance {estimate(chance)}%); the mean Spearman ρ "
        f"between mention rank and size rank is {estimate(mean_rho, 3)} (+1: larger objects "
        "always named first). Larger objects are named earlier when the first column beats "
        "chance and the first-mention share falls with size rank.",
        "",
        *table_lines(order),
        *table_lines(rank),
        *table_lines(rho, 3),
        "![first mention by size rank](plots/first_mention_by_size_rank.png)",
        "",
        "## Completeness",
        "",
        f"Captions name {estimate(named)}% of the annotated categories present and the image's "
        f"largest category in {estimate(largest)}% of captions.",
        "",
        *table_lines(completeness),
        "![completeness by object count](plots/completeness_by_object_count.png)",
        "",
        *_naming_lines(run),
        "## Attribute density",
        "",
        f"{estimate(colour)}% of named categories have a colour word directly before them, "
        f"{estimate(any_word)}% any attribute word (colour, size, material, state; "
        "`comco/data/caption_words.yaml`).",
        "",
        *table_lines(attributes),
        *_unmatched_lines(run),
        "## Knobs that would reproduce this corpus",
        "",
        "```",
        f"comco sample ... {run.knobs.flags()}",
        "```",
        "",
        *[f"- {why}" for why in run.knobs.why],
        "",
    ]
    plot_first_mention(rank, out / "plots" / "first_mention_by_size_rank.png")
    plot_completeness(completeness, out / "plots" / "completeness_by_object_count.png", TOTAL)
    path = out / "report.md"
    write_atomic(path, "\n".join(lines))
    return path


def _naming_lines(run: AnalyzeRun) -> list[str]:
    """The least and the most often named categories when present."""
    if not run.naming:
        return []
    shown = run.naming[:SHOWN_CATEGORIES]
    shown += [n for n in run.naming[-SHOWN_CATEGORIES:] if n not in shown]
    lines = [
        f"**Naming rate per category** (least and most often named, of {len(run.naming)}; "
        "% of captions of images where the category is above --min-area)",
        "",
        "| category | captions where present | named |",
        "|---|---|---|",
    ]
    lines += [f"| {n.category} | {n.present} | {100 * n.named / n.present:.1f} |" for n in shown]
    return [*lines, ""]


def _unmatched_lines(run: AnalyzeRun) -> list[str]:
    lines = ["## What could not be matched", ""]
    skipped = {k: v for k, v in run.counts.items() if k != "captions"}
    lines += [f"- {k}: {v}" for k, v in skipped.items()]
    if run.named_not_annotated:
        top = list(run.named_not_annotated.items())[:SHOWN_CATEGORIES]
        lines.append(
            "- categories named but not annotated in that image (caption mentions a "
            "category the instances lack): " + ", ".join(f"{c} ({n})" for c, n in top)
        )
    if run.unmatched_examples:
        lines.append(
            "- first captions naming no annotated category of their image: "
            + "; ".join(f"“{text}”" for text in run.unmatched_examples)
        )
    if run.vocabulary_misses:
        lines.append(
            "- dataset categories the vocabulary lacks, matched by their name only: "
            + ", ".join(run.vocabulary_misses)
        )
    return [*lines, ""]


def write_outputs(run: AnalyzeRun, out: Path) -> Path:
    """results.json, report.md and plots/ under `out`; each file appears complete or not at all."""
    write_atomic(out / "results.json", run.model_dump_json(indent=2))
    return write_report(run, out)
