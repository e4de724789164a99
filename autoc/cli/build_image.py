"""``autoc build-image``: build and push every distinct image the tasks under PATHS declare."""

from __future__ import annotations

import dataclasses
import json
import sys

import click

from autoc.cli.options import parse_sdk, sdk_option


@click.command(name="build-image", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--source-root", type=click.Path(exists=True, file_okay=False), help="As for `autoc serialize`.")
@click.option("--dry-run", is_flag=True, help="Print each image's reference and Dockerfile; build nothing.")
@click.option("--offline", is_flag=True, help="Build a wheelhouse on this machine and install from it inside the "
                                              "image (for build containers that cannot reach a package index).")
@click.option("--assume-images-exist", is_flag=True,
              help="When a registry cannot say whether an image exists, assume it does instead of failing.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@sdk_option
@click.pass_context
def build_image(ctx, paths, source_root, dry_run, offline, assume_images_exist, output, sdk):
    """Build and push the images (ImageSpec) that tasks under PATHS use, each distinct image once.

    An image whose reference already exists in its registry is skipped; the reference is the one
    `autoc serialize` writes into the specs, so the two always agree.

    \b
    Examples:
      autoc build-image ./workflows
      autoc build-image ./workflows --dry-run
      autoc build-image ./workflows --offline --output json

    Exit codes: 0 every image exists or was built; 1 a build, push or existence check failed.
    """
    from autoc.errors import AutocError
    from autoc.image.engine import ImageBuildEngine, distinct_image_specs
    from autoc.serialize.discover import discover

    verbose = ctx.obj.get("verbose", 0) if ctx.obj else 0
    found = discover(paths, source_root=source_root, sdk=parse_sdk(sdk))
    specs = distinct_image_specs(found.tasks)
    if dry_run:
        from autoc.image.builders.docker import plan_context, render_dockerfile

        plans = [{"reference": s.image_name(), "dockerfile": render_dockerfile(s, plan_context(s, offline))}
                 for s in specs]
        if output == "json":
            click.echo(json.dumps({"images": plans}, indent=2))
        else:
            for p in plans:
                click.echo(f"# {p['reference']}\n{p['dockerfile']}")
            click.echo(f"{len(plans)} image(s); nothing was built (--dry-run).", err=True)
        return

    progress = _progress(verbose)
    records, failed = [], None
    for spec in specs:
        click.echo(f"image {spec.image_name()}: checking", err=True)
        try:
            records.append(ImageBuildEngine.build_record(spec, assume_images_exist, offline, progress))
        except AutocError as e:
            failed = e
            break
    if output == "json":
        out = {"ok": failed is None, "images": [dataclasses.asdict(r) for r in records]}
        if failed is not None:
            out["error"] = {"message": failed.message, "hint": failed.hint}
        click.echo(json.dumps(out, indent=2))
    else:
        for r in records:
            click.echo(f"{r.status:8} {r.reference}  {r.digest or '-'}  ({r.seconds:.1f}s, {r.builder})")
        if not specs:
            click.echo("No task uses an ImageSpec: nothing to build.", err=True)
    if failed is not None:
        if output != "json":
            raise failed
        ctx.exit(1)


def _progress(verbose: int):
    """Build log lines: all of them with -v, otherwise a one-line live status on a terminal."""
    if verbose:
        return lambda line: click.echo(f"  {line}", err=True)
    if not sys.stderr.isatty():  # CI logs: the build's steps and the result, not every line
        def steps(line: str) -> None:
            if line.startswith(("Step ", "built ", "#")) and " DONE" not in line or line.endswith(": Pushed"):
                click.echo(f"  {line}", err=True)

        return steps
    from rich.console import Console

    console = Console(stderr=True)
    return lambda line: console.print(f"  [dim]{line[:console.width - 4]}[/dim]", end="\r", soft_wrap=False)
