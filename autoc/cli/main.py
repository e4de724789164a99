"""The ``autoc`` command. Subcommands are imported only when they run, so ``autoc --help`` is fast."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Dict, Optional, Tuple

import click

# name -> (module, attribute, one-line help shown by ``autoc --help``)
COMMANDS: Dict[str, Tuple[str, str, str]] = {
    "serialize": ("autoc.cli.serialize", "serialize", "Write a TaskSpec .pb file for every task under PATHS."),
    "register": ("autoc.cli.register", "register", "Register tasks with FlyteAdmin over gRPC."),
    "build-image": ("autoc.cli.build_image", "build_image", "Build and push the images tasks declare."),
    "execute": ("autoc.cli.execute", "execute", "Run one task inside its container (used by Flyte)."),
    "config": ("autoc.cli.config", "config", "Show the effective connection settings and their sources."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        spec = COMMANDS.get(name)
        if spec is None:
            return None
        cmd = getattr(importlib.import_module(spec[0]), spec[1])
        _accept_verbose(cmd)
        return cmd

    def format_commands(self, ctx, formatter):
        with formatter.section("Commands"):
            formatter.write_dl([(n, h) for n, (_, _, h) in COMMANDS.items()])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="autoc", prog_name="autoc")
@click.option("-v", "--verbose", count=True, help="More detail; -v also shows tracebacks of errors.")
@click.pass_context
def cli(ctx: click.Context, verbose: int) -> None:
    """autoc: a toolchain for Flyte container tasks.

    \b
    Typical use:
      autoc build-image ./workflows                      # build and push the tasks' ImageSpecs
      autoc serialize ./workflows -o out/ --image ghcr.io/acme/app:v1
      autoc register ./workflows -p flytesnacks -d development
      autoc execute ... -- task-module m task-name t     # what Flyte runs in the container

    Tasks are ordinary Python modules using `from autoc import task, Resources, ...`.
    The .pb files are the ones `pyflyte serialize` writes and `flytectl register files` loads.
    Every command takes --help, and --output json where it reports results.
    """
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose


def _add_verbosity(ctx: click.Context, param, value: int) -> None:
    root = ctx.find_root()
    root.ensure_object(dict)
    root.obj["verbose"] = root.obj.get("verbose", 0) + value


def _accept_verbose(cmd: click.Command) -> None:
    """Give ``cmd`` (and a group's subcommands) -v/--verbose: `autoc serialize -v` as well as `autoc -v serialize`."""
    if not any(isinstance(p, click.Option) and "-v" in p.opts for p in cmd.params):
        cmd.params.append(click.Option(["-v", "--verbose"], count=True, expose_value=False, callback=_add_verbosity,
                                       help="More detail; -v also shows tracebacks of errors."))
    for sub in getattr(cmd, "commands", {}).values():
        _accept_verbose(sub)


def color() -> Optional[bool]:
    """False when NO_COLOR is set (https://no-color.org), else None: click decides (colour on a terminal only)."""
    return False if os.environ.get("NO_COLOR") else None


def render_error(e: Exception, verbose: int) -> None:
    from autoc.errors import AutocError

    if verbose:
        import traceback

        traceback.print_exception(e, file=sys.stderr)
    if isinstance(e, AutocError):
        if e.where:
            click.secho(f"{e.where}:", fg="red", err=True, color=color())
        click.secho(f"error: {e.message}", fg="red", err=True, color=color())
        if e.hint:
            click.echo(f"hint: {e.hint}", err=True)


def _interrupted(argv) -> int:
    """Ctrl-C wherever it lands (click turns one inside a command into Abort): one line, exit 130. Steps that
    write say what they left themselves (autoc.errors.Interrupted)."""
    click.echo("autoc: interrupted before the command finished", err=True)
    _failure_document(argv, None, "interrupted", None)
    return 130


def main(argv=None) -> int:
    from autoc.errors import AutocError

    try:
        rv = cli.main(args=argv, prog_name="autoc", standalone_mode=False, color=color())
    except click.exceptions.Abort as e:
        if isinstance(e.__cause__, EOFError):  # click turns an EOFError into Abort: it was no interrupt
            err = AutocError(f"unexpected end of data ({e.__cause__ or 'EOFError'})",
                             hint="a file was cut short; rerun with -v to see where")
            render_error(err, _verbosity(argv))
            _failure_document(argv, None, err.message, err.hint)
            return 1
        return _interrupted(argv)
    except click.ClickException as e:
        e.show()
        _failure_document(argv, None, e.format_message(), None)
        return e.exit_code
    except click.exceptions.Exit as e:
        return e.exit_code
    except AutocError as e:
        render_error(e, _verbosity(argv))
        _failure_document(argv, e.where, e.message, e.hint)
        return e.exit_code
    except KeyboardInterrupt:
        return _interrupted(argv)
    # with standalone_mode=False click returns ctx.exit()'s code instead of raising
    return rv if isinstance(rv, int) else 0


def _failure_document(argv, where, message: str, hint) -> None:
    """With ``--output json``, a command that fails before it could write its own document still prints one
    on stdout ({"ok": false, "errors": [...]}), so CI always has JSON to read; the error also goes to stderr."""
    args = _command_line(argv)
    wants_json = "--output=json" in args or any(a == "--output" and b == "json" for a, b in zip(args, args[1:]))
    if wants_json:
        import json

        click.echo(json.dumps({"ok": False, "errors": [{"where": where, "message": message, "hint": hint}]},
                              indent=2))


def _command_line(argv) -> list:
    """The arguments autoc itself parses: those before a ``--`` (after it come the task's loader args)."""
    args = list(sys.argv[1:] if argv is None else argv)
    return args[:args.index("--")] if "--" in args else args


def _verbosity(argv) -> int:
    args = _command_line(argv)
    return sum(a.count("v") for a in args if a.startswith("-") and not a.startswith("--") and set(a[1:]) == {"v"}) \
        + args.count("--verbose")


def entrypoint() -> None:
    code = main()
    # Everything is written and flushed; skip tearing down every object the user's modules created
    # (about 0.3 s for 5,000 tasks).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entrypoint()
