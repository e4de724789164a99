"""``autoc config show``: the effective connection settings and where each one came from."""

from __future__ import annotations

import json

import click

from autoc.cli.options import connection_options, load_platform


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def config():
    """Inspect autoc's settings."""


@config.command()
@connection_options
@click.option("-p", "--project")
@click.option("-d", "--domain")
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
def show(config_file, endpoint, insecure, ca_cert_file_path, project, domain, output):
    """Print every connection setting, its value and its source (flag, environment, config file, default).

    Flags beat environment variables (FLYTE_PLATFORM_URL, ...), which beat the config file, which beats
    the defaults. Secrets are never printed.
    """
    from autoc.remote.config import describe

    rows = describe(load_platform(config_file, endpoint, insecure, ca_cert_file_path, project, domain))
    if output == "json":
        click.echo(json.dumps({k: {"value": v, "source": s} for k, v, s in rows}, indent=2))
        return
    width = max(len(k) for k, _, _ in rows)
    for k, v, s in rows:
        shown = ", ".join(v) if isinstance(v, list) else ("" if v is None else str(v).lower() if isinstance(v, bool)
                                                          else str(v))
        click.echo(f"{k:{width}}  {shown or '-':30}  {s}")
