"""The `comco` command. Subcommands live beside the code they drive and load on first use,
so `comco sample` never imports Blender or torch."""

from __future__ import annotations

import importlib

import click

# command name -> "module:attribute" of a click command
COMMANDS: dict[str, str] = {
    "sample": "comco.sampling.cli:sample",
    "captions": "comco.sampling.cli:captions",
    "schema": "comco.sampling.cli:schema",
    "eval": "comco.eval.cli:eval_command",
    "tiny-model": "comco.eval.cli:tiny_model",
    "align": "comco.eval.align_cli:align",
    "assets": "comco.assets.cli:assets",
    "suite": "comco.sampling.cli:suite",
    "sheet": "comco.sheets.cli:sheet",
    "render": "comco.runner.cli:render",
    "export": "comco.export.cli:export",
    "verify": "comco.export.cli:verify",
    "publish": "comco.export.cli:publish",
    "palette": "comco.palette.cli:palette",
    "analyze": "comco.analyze.cli:analyze",
    "browse": "comco.browse.cli:browse",
    "train": "comco.train.cli:train",
    "experiment": "comco.train.experiment_cli:experiment",
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when they run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module_name, attribute = COMMANDS[cmd_name].split(":")
        return getattr(importlib.import_module(module_name), attribute)


@click.group(cls=LazyGroup)
@click.version_option(package_name="comco")
def main() -> None:
    """Generate ComCO/SimCO multi-object scenes with Blender and evaluate CLIP-style models."""
