"""``autoc build-image``: build and push every distinct image the tasks under PATHS declare."""

from __future__ import annotations

import dataclasses
import json
import sys

import click

from autoc.cli.options import engine_options, parse_sdk, render_engine, sdk_option


class _BuildImageCommand(click.Command):
    """Its --help ends with the builders registered right now (built in, registered, entry points)."""

    def format_epilog(self, ctx, formatter):
        from autoc.errors import AutocError

        try:
            rows = [(name, f"priority {prio}, {origin}") for name, prio, origin in _builders()]
        except AutocError as e:
            rows = [("(error)", e.message)]
        with formatter.section("Registered builders (highest priority first: the default for specs without "
                               "builder=)"):
            formatter.write_dl(rows)


def _builders():
    from autoc.image.engine import ImageBuildEngine

    return ImageBuildEngine.describe_builders()


@click.command(name="build-image", cls=_BuildImageCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--source-root", type=click.Path(exists=True, file_okay=False), help="As for `autoc serialize`.")
@click.option("--dry-run", is_flag=True, help="Print each image's reference, builder and plan (for the docker "
                                              "builder its Dockerfile), after the same checks as a build; build "
                                              "nothing and ask no registry.")
@click.option("--offline", is_flag=True, help="Build a wheelhouse on this machine and install from it inside the "
                                              "image (for build containers that cannot reach a package index).")
@click.option("--fast", is_flag=True, help="With --sdk flytekit: the images fast-registered tasks name (as `autoc "
                                           "register` and `pyflyte build --fast` do), which hold no source unless "
                                           "their spec copies it. Without it, the images `autoc serialize` names.")
@click.option("--assume-images-exist", is_flag=True,
              help="When a registry cannot say whether an image exists, assume it does instead of failing.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@sdk_option
@engine_options
@click.pass_context
def build_image(ctx, paths, source_root, dry_run, offline, fast, assume_images_exist, output, sdk, engine, python):
    """Build and push the images (ImageSpec) that tasks under PATHS use, each distinct image once.

    An image whose reference already exists in its registry is skipped; the reference is the one
    `autoc serialize` and `autoc register` write into the specs, so they always agree.

    With --sdk flytekit the images run flytekit, not autoc: flytekit at the version --sdk names (unless the
    spec's packages name flytekit), under flytekit's tags, so `pyflyte-execute` runs the tasks.

    Each spec's builder is its `builder=` if set, else the registered builder of highest priority (below).
    Builders come built in (docker, its alias default, noop), from ImageBuildEngine.register(name, builder,
    priority) in your code, or from packages' `autoc.image_builders` entry points. The noop builder builds
    nothing: the spec's base_image is used as is. -v prints the builders and why each spec got its builder.

    \b
    Examples:
      autoc build-image ./workflows
      autoc build-image ./workflows --dry-run
      autoc -v build-image ./workflows --offline --output json
      autoc build-image --sdk flytekit ./workflows --offline --fast

    Exit codes: 0 every image exists or was built; 1 a build, push or existence check failed.
    """
    from autoc.errors import AutocError
    from autoc.image.engine import ImageBuildEngine

    verbose = ctx.obj.get("verbose", 0) if ctx.obj else 0
    specs, runtime, served, reason = _specs(paths, source_root, parse_sdk(sdk), fast, engine, python)
    render_engine(served, reason, verbose)
    for s in specs if runtime is not None else []:
        pinned = runtime.other_pin(s)
        if pinned:
            click.echo(f"warning: ImageSpec {s.name} installs {runtime.name}=={pinned} itself, but its tasks' specs "
                       f"name {runtime.requirement} (--sdk): the image runs {pinned}; pass --sdk "
                       f"{runtime.name}=={pinned}, or drop the spec's pin", err=True)
    if verbose and specs:
        click.echo("builders: " + ", ".join(f"{n} (priority {p}, {o})" for n, p, o in _builders()), err=True)
        if runtime is not None and not runtime.is_running_autoc:
            click.echo(f"runtime: {runtime.requirement} goes into each image (not autoc), unless the spec's "
                       f"packages name {runtime.name}", err=True)
    if dry_run:
        plans = []
        for s in specs:
            reference, choice, plan = ImageBuildEngine.plan(s, offline, runtime)
            plans.append({"reference": reference, "builder": choice.name, "reason": choice.reason,
                          "status": "as-is" if choice.builder.built_status == "as-is" else "would build",
                          "plan": plan})
        if output == "json":
            click.echo(json.dumps({"images": plans}, indent=2))
        else:
            for p in plans:
                click.echo(f"# {p['reference']}  (builder {p['builder']}: {p['reason']})\n{p['plan']}")
            click.echo(f"{len(plans)} image(s); nothing was built (--dry-run).", err=True)
        return

    progress, steps = _progress(verbose)
    records, failed = [], None
    for spec in specs:
        try:
            choice = ImageBuildEngine.choose(spec)
            why = f": {choice.reason}" if verbose else ""
            click.echo(f"image {ImageBuildEngine.reference(spec)} (builder {choice.name}{why}): checking", err=True)
            records.append(ImageBuildEngine.build_record(spec, assume_images_exist, offline, progress, steps,
                                                         runtime))
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


def _specs(paths, source_root, sdk, fast: bool, engine: str, python):
    """(ImageSpecs, the runtime that goes into them, the engine that found them, why auto chose flytekit): the
    face's discovery, or the project's flytekit (``--engine``; auto falls back as serialize does)."""
    from autoc.errors import AutocError, UserInputError
    from autoc.serialize import image_specs
    from autoc.serialize.discover import discover
    from autoc.serialize.engines import AUTO, FLYTEKIT, choose, face_gap_of

    from autoc.sdk.flytekit import engine as flytekit_engine
    from autoc.sdk.flytekit.flavor import flytekit_flavor
    from autoc.serialize.engines import plugin_import

    picked = choose(sdk, engine)
    reason = plugin_import(paths, source_root) if picked == AUTO else None
    started = flytekit_engine.probe(python) if reason is not None else None  # the face would stop there
    if started is not None:
        specs = flytekit_engine.image_specs(paths, source_root, fast, started)
        served = f"flytekit {started.flytekit_version} ({started.python})"
        return specs, flytekit_flavor(started.flytekit_version).image_runtime, served, reason
    if picked != FLYTEKIT:
        try:
            found = discover(paths, source_root=source_root, sdk=sdk)
            reason = face_gap_of([], caught=True) if picked == AUTO else None
            if reason is None:
                runtime = found.sdk.flavor.image_runtime if found.sdk is not None else None
                return image_specs(found, fast=fast), runtime, "face", None
        except AutocError as e:
            reason = face_gap_of([e]) if picked == AUTO else None
            if reason is None and picked == AUTO and isinstance(e, UserInputError) and \
                    "which flytekit version" in e.message:
                reason = "no flytekit version pinned for the face to speak for"
            if reason is None:
                raise
            refusal = e
        else:
            refusal = None
    started = flytekit_engine.probe(python) if picked == AUTO else flytekit_engine.FlytekitEngine(python)
    if started is None:
        if refusal is None:  # only a caught import: the face's answer stands
            runtime = found.sdk.flavor.image_runtime if found.sdk is not None else None
            return image_specs(found, fast=fast), runtime, "face", None
        refusal.hint = flytekit_engine.install_hint(reason, python)
        raise refusal
    served = f"flytekit {started.flytekit_version} ({started.python})" if started.usable else "flytekit"
    specs = flytekit_engine.image_specs(paths, source_root, fast, started)
    return specs, flytekit_flavor(started.flytekit_version).image_runtime, served, reason


def _progress(verbose: int):
    """(every output line, one line per finished step): with -v every line; on a terminal a live status line and
    the steps; off a terminal (CI logs) only the steps with their durations."""
    def step(line: str) -> None:
        click.echo(f"  {line}", err=True)

    if verbose:
        return (lambda line: click.echo(f"  {line}", err=True)), (lambda line: None)
    if not sys.stderr.isatty():
        return (lambda line: None), step
    from rich.console import Console

    console = Console(stderr=True)
    live = lambda line: console.print(f"  [dim]{line[:console.width - 4]}[/dim]", end="\r", soft_wrap=False)  # noqa
    return live, lambda line: console.print(f"  {line}", soft_wrap=True, highlight=False, markup=False)
