"""``autoc execute``: run one task inside its container. Flyte fills the ``{{...}}`` templates."""

from __future__ import annotations

import os
from typing import List, Optional

import click

_TRUE = ("1", "true", "t", "yes", "y", "on")


def _option_value(args: List[str], name: str) -> Optional[str]:
    for i, a in enumerate(args):
        if a == "--":
            break
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.split("=", 1)[1]
    return None


class _ExecuteCommand(click.Command):
    """Even a command line that cannot be parsed ends in an error document when --output-prefix is present."""

    def parse_args(self, ctx, args):
        original = list(args)  # click's parser consumes the list it is given
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as e:
            args = original
            prefix = _option_value(args, "--output-prefix")
            if prefix is None or ctx.resilient_parsing:
                raise
            ctx.meta["autoc.usage_error"] = e
            ctx.params = {"output_prefix": prefix, "fail_on_error": "--fail-on-error" in args}
            ctx.args = []
            return []


@click.command(cls=_ExecuteCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--inputs", help="inputs.pb (a LiteralMap): a local path or URL ({{.input}}).")
@click.option("--output-prefix", help="Where outputs.pb or error.pb is written ({{.outputPrefix}}).")
@click.option("--raw-output-data-prefix", help="Where files, directories and pickles are uploaded; a temporary "
                                               "local folder when missing.")
@click.option("--checkpoint-path", help="Where this attempt's checkpoint is written.")
@click.option("--prev-checkpoint", help="The previous attempt's checkpoint, if any.")
@click.option("--resolver", help="module.variable of the task resolver, e.g. autoc.resolvers.default_task_resolver.")
@click.option("--additional-distribution", help="A .tar.gz code bundle to download and run from (fast registration).")
@click.option("--dest-dir", help="Where the code bundle is unpacked (default: the working directory).")
@click.option("--fail-on-error", is_flag=True, help="Exit 1 after writing error.pb (also FLYTE_FAIL_ON_ERROR=true).")
@click.option("--test", is_flag=True, hidden=True)
@click.option("--dynamic-addl-distro", hidden=True)
@click.option("--dynamic-dest-dir", hidden=True)
@click.argument("resolver_args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def execute(ctx, inputs=None, output_prefix=None, raw_output_data_prefix=None, checkpoint_path=None,
            prev_checkpoint=None, resolver=None, additional_distribution=None, dest_dir=None, fail_on_error=False,
            test=False, dynamic_addl_distro=None, dynamic_dest_dir=None, resolver_args=()):
    """Run one task: read inputs.pb, call the task, write outputs.pb (or error.pb).

    \b
    autoc execute --inputs s3://b/m/inputs.pb --output-prefix s3://b/m/0 \\
      --raw-output-data-prefix s3://b/raw --resolver autoc.resolvers.default_task_resolver \\
      -- task-module workflows.train task-name fit

    Every failure (bad arguments, loading the task, reading or converting inputs, the task's own code,
    converting or uploading outputs) is written as error.pb for Flyte to read, and the exit code is 0;
    with --fail-on-error or FLYTE_FAIL_ON_ERROR=true it is 1.
    """
    from autoc.runtime.errors import describe, system_error
    from autoc.runtime.execute import ExecuteArgs, Outcome, run_execute, write_error

    fail = fail_on_error or os.environ.get("FLYTE_FAIL_ON_ERROR", "").strip().lower() in _TRUE
    usage = ctx.meta.get("autoc.usage_error")
    if usage is not None:
        err = system_error("BadArguments", ValueError(usage.format_message()))
        write_error(output_prefix, err)
        outcome = Outcome(err)
    else:
        outcome = run_execute(ExecuteArgs(
            inputs=inputs, output_prefix=output_prefix, resolver=resolver, resolver_args=list(resolver_args),
            raw_output_data_prefix=raw_output_data_prefix, checkpoint_path=checkpoint_path,
            prev_checkpoint=prev_checkpoint, additional_distribution=additional_distribution or dynamic_addl_distro,
            dest_dir=dest_dir or dynamic_dest_dir))
    if outcome.error is not None:
        click.echo(f"autoc execute: {describe(outcome.error)}", err=True)
        if not output_prefix:
            click.echo("autoc execute: no --output-prefix, so no error.pb could be written", err=True)
            ctx.exit(2)
        if fail:
            ctx.exit(1)
