"""`comco align train`: learn LABCLIP's text map A on a binding dataset's train split."""

from __future__ import annotations

from pathlib import Path

import click

from comco.eval.align import AlignConfig


@click.group("align")
def align() -> None:
    """LABCLIP alignment: a linear map on text embeddings, trained on attribute swaps."""


@align.command("train")
@click.option(
    "--dataset",
    "dataset_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="A rendered binding dataset folder (comco suite --binding, then comco render).",
)
@click.option("--model", required=True, help="hf:ID|DIR or openclip:...; needs text and images.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The map file to write (safetensors).",
)
@click.option("--epochs", type=int, default=AlignConfig.epochs, show_default=True)
@click.option("--lr", type=float, default=AlignConfig.lr, show_default=True)
@click.option("--batch-size", type=int, default=AlignConfig.batch_size, show_default=True)
@click.option("--embed-batch-size", type=int, default=64, show_default=True)
@click.option("--device", default="auto", show_default=True)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Embedding cache (default $COMCO_CACHE/embeddings or ~/.cache/comco/embeddings).",
)
@click.option(
    "--split",
    "split_kind",
    type=click.Choice(["combination", "pair"]),
    default="combination",
    show_default=True,
    help="combination: LABCLIP's (test combinations unseen, their attribute-object pairs "
    "seen in training); pair: the data's held-out attribute-object pairs are test (harder).",
)
@click.option("--seed", type=int, default=0, show_default=True)
def train(
    dataset_dir: Path,
    model: str,
    out: Path,
    epochs: int,
    lr: float,
    batch_size: int,
    embed_batch_size: int,
    device: str,
    cache_dir: Path | None,
    split_kind: str,
    seed: int,
) -> None:
    """Train A on the train split; print swap accuracy on the test split before and after.

    The file records the model's fingerprint and the test scenes, so `comco eval --text-map`
    checks the model and reports on scenes the map never saw.
    """
    from comco.eval.align import map_meta, swap_accuracy, train_text_map
    from comco.eval.align_run import (
        alignment_split,
        check_alignment_split,
        scenes_in,
        swap_triples,
    )
    from comco.eval.cache import CachedEncoder
    from comco.eval.dataset import load_dataset
    from comco.eval.encoders import load_encoder, parse_model_spec, resolve_device
    from comco.eval.encoders.base import MissingBackendError, ModelNotAvailableError
    from comco.eval.tasks.binding import binding_records

    for name, value in (("epochs", epochs), ("batch-size", batch_size)):
        if value < 1:
            raise click.UsageError(f"--{name}: {value}; expected a positive integer")
    if lr <= 0:
        raise click.UsageError(f"--lr: {lr}; expected a positive learning rate")
    try:
        parse_model_spec(model)
        dataset = load_dataset(dataset_dir)
        split = alignment_split(binding_records(dataset.records), seed, split_kind)
        if split_kind == "pair":
            check_alignment_split(split)
    except (ValueError, FileNotFoundError, NotImplementedError) as error:
        raise click.UsageError(str(error)) from error
    try:
        encoder = CachedEncoder(
            load_encoder(model, resolve_device(device), embed_batch_size), cache_dir
        )
    except (ModelNotAvailableError, MissingBackendError) as error:
        raise click.ClickException(str(error)) from error
    if "image" not in encoder.modalities:
        raise click.UsageError(
            f"--model: {model} embeds only {sorted(encoder.modalities)}; the map aligns text "
            "with images, expected a model that embeds both"
        )
    try:
        train_set = swap_triples(scenes_in(dataset, split, "train"), encoder)
        test_set = swap_triples(scenes_in(dataset, split, "test"), encoder)
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    config = AlignConfig(lr=lr, epochs=epochs, batch_size=batch_size)
    meta = map_meta(
        model=model,
        fingerprint=encoder.fingerprint,
        dataset=str(dataset_dir),
        split=split.describe(),
        test_ids=split.ids("test"),
        train_triples=len(train_set[0]),
        config=config.describe(),
        seed=seed,
    )
    text_map = train_text_map(*train_set, config, seed=seed, meta=meta)
    images, positives, negatives = test_set
    before = 100 * swap_accuracy(images, positives, negatives).mean()
    after = 100 * swap_accuracy(images, text_map.apply(positives), text_map.apply(negatives)).mean()
    text_map.save(out)
    click.echo(f"split: {split.describe()}")
    click.echo(f"trained on {len(train_set[0])} attribute-swap triples ({config.describe()})")
    click.echo(
        f"test attribute-swap accuracy ({len(images)} triples): {before:.2f} % before, "
        f"{after:.2f} % after"
    )
    click.echo(f"wrote {out}")
