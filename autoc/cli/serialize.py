"""``autoc serialize``: a thin shell over ``autoc.serialize.serialize``."""

from __future__ import annotations

import json
from typing import Optional, Tuple

import click

from autoc.cli.options import (engine_options, image_config, not_empty, parse_sdk, render_engine, sdk_option,
                                stdout_to_stderr)


def _parse_env(values: Tuple[str, ...]) -> Optional[dict]:
    env = {}
    for v in values:
        if "=" not in v:
            raise click.BadParameter(f"{v!r} is not KEY=VALUE", param_hint="--env")
        k, val = v.split("=", 1)
        env[k] = val
    return env or None


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-o", "--out-dir", type=click.Path(file_okay=False),
              help="Folder for the .pb files (created). Its earlier set of autoc .pb files is replaced as a whole, "
                   "even when interrupted or run concurrently; other files stay.")
@click.option("--archive", type=click.Path(dir_okay=False),
              help="Also (or instead) write the files into this .tgz, as `pyflyte package` does.")
@click.option("-i", "--image", "images", multiple=True, envvar="AUTOC_IMAGE",
              help="Default image REPO:TAG, or NAME=REPO:TAG for {{.image.NAME.fqn}} templates. Repeatable.")
@click.option("--source-root", type=click.Path(exists=True, file_okay=False),
              help="Folder module names are relative to (default: the nearest folder without __init__.py).")
@click.option("--env", "env", multiple=True, metavar="KEY=VALUE", help="Environment for every task. Repeatable.")
@click.option("--project", default=None, help="Project in the task ids (empty by default, as pyflyte writes).")
@click.option("--domain", default=None, help="Domain in the task ids.")
@click.option("--version", "version", default=None, callback=not_empty, help="Version in the task ids.")
@click.option("--keep-going", is_flag=True, help="Report every failing module and task, not just the first.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json prints a machine-readable result on stdout, also when the run fails.")
@sdk_option
@engine_options
@click.pass_context
def serialize(ctx, paths, out_dir, archive, images, source_root, env, project, domain, version, keep_going, output,
              sdk, engine, python):
    """Write one flyteidl file per task, workflow and launch plan found under PATHS.

    PATHS are .py files, packages or folders of modules. autoc imports them, finds every task, workflow and
    launch plan by the variable it is assigned to, and writes `{idx}_{name}_1.pb` (TaskSpec), `_2.pb`
    (WorkflowSpec) and `_3.pb` (LaunchPlan) files, numbered in pyflyte's order, loadable by
    `flytectl register files`.

    \b
    Examples:
      autoc serialize ./workflows -o out/ --image ghcr.io/acme/app:v1
      autoc serialize ./workflows -o out/ -i ghcr.io/acme/app:v1 -i gpu=ghcr.io/acme/gpu:v3
      autoc serialize src/myapp --archive flyte-package.tgz --output json
      autoc serialize --sdk flytekit ./workflows -o out/   # unmodified flytekit code, pyflyte's output
      autoc serialize --sdk flytekit --python .venv/bin/python ./workflows -o out/   # the project's flytekit

    Exit codes: 0 all tasks written; 1 a module or task failed, or no task was found (nothing is
    written); 2 bad usage.
    """
    from autoc.errors import UserInputError
    from autoc.serialize import SerializationSettings, serialize as run

    verbose = ctx.obj.get("verbose", 0) if ctx.obj else 0
    if not out_dir and not archive:
        raise UserInputError("nothing to write", hint="pass -o/--out-dir DIR and/or --archive FILE.tgz")
    from autoc.serialize import FastSerializationSettings
    from autoc.serialize.settings import DEFAULT_IN_CONTAINER_SRC_PATH

    sdk = parse_sdk(sdk)
    # (only dynamic and eager tasks carry these settings, in _F_SS_C: as pyflyte serialize writes them, or, for a
    # flytekit project, as pyflyte package does when only an archive is written)
    package = archive and not out_dir and not sdk.is_default
    fss = FastSerializationSettings(enabled=False, destination_dir=DEFAULT_IN_CONTAINER_SRC_PATH if package else None)
    settings = SerializationSettings(image_config=image_config(images), project=project, domain=domain,
                                     version=version, env=_parse_env(env), fast_serialization_settings=fss)
    with stdout_to_stderr(output == "json"):  # what user modules print must not spoil the JSON
        result = run(paths, settings, out_dir=out_dir, archive=archive, source_root=source_root,
                     keep_going=keep_going, sdk=sdk, engine=engine, python=python)

    render_engine(result.engine, result.engine_reason, verbose if output == "text" else 0)
    if output == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        _render_text(result, verbose)
    if not result.ok:
        ctx.exit(1)


def _render_text(result, verbose: int) -> None:
    from autoc.cli.main import render_error

    if verbose:
        click.echo(f"source root: {result.source_root}", err=True)
        for m in result.modules:
            click.echo(f"  module {m}", err=True)
        for f in result.files:
            click.echo(f"  {f.task} -> {f.file} ({f.bytes} bytes)", err=True)
    for w in result.warnings:
        click.secho(f"warning: {w}", fg="yellow", err=True)
    for failure in result.failures:
        render_error(failure.error, 0)
    for e in result.task_errors:
        render_error(e, 0)
    if not result.ok:
        n = len(result.failures) + len(result.task_errors)
        click.secho(f"{n} error(s); nothing was written.", fg="red", err=True)
        return
    where = " and ".join(x for x in (result.output, result.archive) if x)
    counts = [(sum(f.kind == kind for f in result.files), noun) for kind, noun in
              (("task", "task"), ("workflow", "workflow"), ("launch_plan", "launch plan"))]
    what = ", ".join(f"{n} {noun}{'' if n == 1 else 's'}" for n, noun in counts if n)
    click.echo(f"Wrote {what} to {where} ({result.total_bytes:,} bytes).")
