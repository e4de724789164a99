"""``autoc register``: serialize (or read) tasks, workflows and launch plans and register them with FlyteAdmin."""

from __future__ import annotations

import json
import sys

import click

from autoc.cli.options import (connection_options, engine_options, image_config, load_platform, not_empty,
                                parse_sdk, render_engine, sdk_option, stdout_to_stderr)

EXIT_DIFFERENCES = 1


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("-p", "--project", callback=not_empty,
              help="Project (default: FLYTE_DEFAULT_PROJECT, config task.project, flytesnacks).")
@click.option("-d", "--domain", callback=not_empty,
              help="Domain (default: FLYTE_DEFAULT_DOMAIN, config task.domain, development).")
@click.option("--version", "version", callback=not_empty,
              help="Version of every entity (default: a digest of every spec and the bundle).")
@click.option("-i", "--image", "images", multiple=True, envvar="AUTOC_IMAGE", help="As for `autoc serialize`.")
@click.option("--source-root", type=click.Path(exists=True, file_okay=False), help="As for `autoc serialize`.")
@click.option("--copy", type=click.Choice(["auto", "all", "none"]), default=None,
              help="Code bundle: the loaded modules, the whole source root (less ignore files), or none "
                   "(the image must hold the code). Default: auto; all with --sdk flytekit, as pyflyte.")
@click.option("--explain-bundle", is_flag=True, help="List every bundled file and why, and what was left out.")
@click.option("--max-bundle-size", type=click.IntRange(min=0), default=50, show_default=True, help="Bundle size limit in MiB.")
@click.option("--dry-run", is_flag=True, help="No upload and no create call; prints what would be registered.")
@click.option("--diff", is_flag=True, help="With --dry-run: ask the server what would be created, unchanged or "
                                           "in conflict; exit 0 (no changes), 1 (changes) or 2 (errors).")
@click.option("--concurrency", type=click.IntRange(1, 256), default=16, show_default=True,
              help="Most calls in flight at once; fewer while the server answers RESOURCE_EXHAUSTED or times "
                   "out. Transient failures (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED) are retried with "
                   "jittered backoff for up to AUTOC_ADMIN_RETRY_SECONDS (default 120) per call; a server that "
                   "never answers, AUTOC_ADMIN_RETRIES + 1 times (default 7).")
@click.option("--keep-going", is_flag=True, help="Register the rest after a conflict or failure (still exit 1); what "
                                                "references a failed entity is skipped.")
@click.option("--activate-launchplans", "--activate-launch-plans", "activate_launchplans", is_flag=True,
              help="Make the registered launch plans the active versions (a schedule fires the new version only).")
@click.option("--assume-images-exist", is_flag=True,
              help="When a registry cannot say whether a task's ImageSpec image exists, assume it does.")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: one document with the summary and every entity's outcome, for CI.")
@connection_options
@sdk_option
@engine_options
@click.pass_context
def register(ctx, paths, project, domain, version, images, source_root, copy, explain_bundle, max_bundle_size,
             dry_run, diff, concurrency, keep_going, activate_launchplans, assume_images_exist, output, config_file,
             endpoint, insecure, ca_cert_file_path, sdk, engine, python):
    """Register the tasks, workflows and launch plans under PATHS (sources, or the _1/_2/_3.pb files / .tgz that
    `autoc serialize` or `pyflyte serialize/package` wrote).

    Entities are created in dependency order: tasks, then each workflow after what it runs (tasks, subworkflows,
    launch plans), then the launch plans; nothing is created while something it references failed. Every entity
    ends as created, unchanged (an identical one is registered), conflict (same version, different content: a
    field diff is shown), failed or skipped. Transient errors are retried; ALREADY_EXISTS and INVALID_ARGUMENT
    never are.

    \b
    Examples:
      autoc register ./workflows -p flytesnacks -d development
      autoc register out/ -p flytesnacks -d development --version v42
      autoc register ./workflows --dry-run --diff
      autoc register ./workflows --output json
      autoc register out/ --version v43 --activate-launchplans
      autoc register --sdk flytekit --python .venv/bin/python ./workflows   # the project's flytekit

    Exit codes: 0 everything created or unchanged; 1 a conflict or failure; 2 bad usage; 3 authentication.
    """
    from autoc.errors import AutocError, UserInputError
    from autoc.remote.admin import AdminClient
    from autoc.remote.register import RegisterOptions, register as run

    if diff and not dry_run:
        raise UserInputError("--diff only goes with --dry-run", hint="autoc register PATHS --dry-run --diff")
    image_config(images)  # a bad --image value is bad usage (exit 2), before any work
    platform = load_platform(config_file, endpoint, insecure, ca_cert_file_path, project, domain)
    sdk = parse_sdk(sdk)
    copy = copy or ("auto" if sdk.is_default and engine != "flytekit" else "all")
    if not sdk.is_default:  # flytekit imports while autoc imports the rest of itself
        from autoc.serialize.engines import prestart_register

        prestart_register(paths, source_root, sdk, engine, python, images, platform.project, platform.domain,
                          version, copy)
    opts = RegisterOptions(project=platform.project, domain=platform.domain, version=version, images=images,
                           source_root=source_root, copy=copy, dry_run=dry_run, diff=diff, concurrency=concurrency,
                           keep_going=keep_going, max_bundle_bytes=max_bundle_size * 1024 * 1024,
                           assume_images_exist=assume_images_exist, activate_launchplans=activate_launchplans,
                           sdk=sdk, engine=engine, python=python)
    reporter = _Reporter(output == "text")
    notify = (lambda line: click.echo(f"autoc: {line}", err=True))
    try:
        with reporter, stdout_to_stderr(output == "json"):  # what user modules print must not spoil the JSON
            result = run(paths, opts, lambda: AdminClient(platform, notify=notify), on_done=reporter.done)
    except AutocError as e:  # the run could not go on (unreachable, authentication...)
        if dry_run and diff and not isinstance(e, UserInputError):
            e.exit_code = 2  # with --diff, "could not tell" is 2, as --help says
        raise
    verbose = ctx.obj.get("verbose", 0) if ctx.obj else 0
    render_engine(result.engine, result.engine_reason, verbose if output == "text" else 0)
    if output == "json":
        click.echo(json.dumps(result.to_json(), indent=2))
    else:
        _summary(result, explain_bundle, platform.endpoint)
    if dry_run and diff:
        if any(o.status == "failed" for o in result.outcomes):
            ctx.exit(2)
        ctx.exit(EXIT_DIFFERENCES if any(o.status != "unchanged" for o in result.outcomes) else 0)
    if not result.ok:  # entities are only skipped after a conflict or failure, which already makes it not ok
        ctx.exit(1)


class _Reporter:
    """A progress bar on a terminal; one plain line per entity otherwise."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.tty = enabled and sys.stderr.isatty()
        self._progress = None

    def __enter__(self):
        if self.tty:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._progress = Progress(TextColumn("registering"), BarColumn(), MofNCompleteColumn(),
                                      TextColumn("{task.description}"), transient=True)
            self._progress.start()
            self._task = self._progress.add_task("", total=None)
        return self

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.stop()

    def done(self, outcome) -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=1, description=outcome.name)
        elif self.enabled:
            click.echo(f"{outcome.status:15} {_label(outcome.kind):12} {outcome.name}", err=True)


def _summary(result, explain: bool, endpoint: str) -> None:
    if explain and result.bundle is not None:
        click.echo(f"code bundle {result.bundle.name} ({len(result.bundle.data):,} bytes):")
        for f in result.bundle.files:
            click.echo(f"  + {f.arcname:50} {f.reason}")
        for rel, why in result.dropped:
            click.echo(f"  - {rel:50} {why}")
    for o in result.outcomes:
        if o.status in ("conflict", "failed", "skipped"):
            click.secho(f"{o.status}: {_label(o.kind)} {o.name}: {o.message}",
                        fg="yellow" if o.status == "skipped" else "red", err=True)
            for path, server, local in o.diff[:50]:
                click.echo(f"    {path}:\n      - server: {server}\n      + local:  {local}", err=True)
    counts = result.counts()
    where = "(dry run, nothing was written)" if result.dry_run else f"on {endpoint}"
    from autoc.remote.entities import KINDS

    kinds = [(k, sum(o.kind == k for o in result.outcomes)) for k in KINDS]
    what = ", ".join(f"{n} {_label(k)}{'' if n == 1 else 's'}" for k, n in kinds if n) or "nothing"
    click.echo(f"{what}, version {result.version} in {result.project}/{result.domain} {where}")
    for status, n in sorted(counts.items()):
        click.echo(f"  {status:15} {n:6}")
    activated = sum(o.activated for o in result.outcomes)
    if activated:
        click.echo(f"  {'activated':15} {activated:6} launch plan{'' if activated == 1 else 's'}")


def _label(kind: str) -> str:
    from autoc.remote.entities import LABEL

    return LABEL.get(kind, kind)
