"""Command-line options and helpers shared by commands (the FlyteAdmin connection options of ``autoc register`` and
``autoc config show``; empty values refused; stdout kept for the JSON document).

Kept apart from the commands so that one command does not import another (``autoc.cli.main`` loads each lazily).
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Iterator

import click


def image_config(images):
    """The ImageConfig of the --image values; a bad value is bad usage (exit 2)."""
    from autoc.errors import ImageConfigError, UserInputError
    from autoc.image.config import ImageConfig

    try:
        return ImageConfig.validate_image(None, "--image", tuple(images))
    except ImageConfigError as e:
        raise UserInputError(f"--image: {e.message}", hint=e.hint or "pass REPO:TAG or NAME=REPO:TAG") from e


def connection_options(f):
    """--endpoint/--insecure/--ca-cert/--config: flags beat FLYTE_* variables, which beat the config file."""
    for opt in reversed([
        click.option("--config", "config_file", type=click.Path(dir_okay=False),
                     help="flytectl/flytekit YAML config (default: FLYTECTL_CONFIG, then ~/.flyte/config.yaml)."),
        click.option("--endpoint", help="FlyteAdmin host:port (admin.endpoint, FLYTE_PLATFORM_URL)."),
        click.option("--insecure/--secure", default=None, help="Plaintext gRPC instead of TLS (admin.insecure)."),
        click.option("--ca-cert", "ca_cert_file_path", type=click.Path(exists=True, dir_okay=False),
                     help="CA certificate to trust (admin.caCertFilePath)."),
    ]):
        f = opt(f)
    return f


def load_platform(config_file, endpoint, insecure, ca_cert_file_path, project=None, domain=None):
    from autoc.remote.config import load_settings

    return load_settings({"endpoint": endpoint, "insecure": insecure, "ca_cert_file_path": ca_cert_file_path,
                          "project": project, "domain": domain}, config_file=config_file)


def not_empty(ctx, param, value):
    """A click callback: an option given as "" is bad usage, not "use the default"."""
    if value is not None and not str(value).strip():
        raise click.BadParameter("must not be empty (leave the option out for the default)")
    return value


@contextlib.contextmanager
def stdout_to_stderr(enabled: bool = True) -> Iterator[None]:
    """Inside the block, whatever is written to stdout (``print`` in user modules, subprocesses, C code) goes to
    stderr, so that stdout carries only the one JSON document written after it."""
    if not enabled:
        yield
        return
    sys.stdout.flush()
    saved_fd, saved = os.dup(1), sys.stdout
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stdout = saved
        os.dup2(saved_fd, 1)
        os.close(saved_fd)


def sdk_option(f):
    """--sdk / AUTOC_SDK: which SDK's import paths the user modules are written against."""
    return click.option(
        "--sdk", "sdk", envvar="AUTOC_SDK", metavar="flytekit[==VERSION]",
        help="The modules import flytekit: answer those imports with autoc's objects (the face: flytekit itself is "
             "neither installed nor imported; see --engine for the project's own flytekit) and write what pyflyte "
             "writes (pyflyte-execute, flytekit's resolver and "
             "runtime version, ImageSpec tags). The version comes from a flytekit==X pin in requirements*.txt or "
             "pyproject.toml, else the installed flytekit's metadata; flytekit==X states it. Env: AUTOC_SDK.")(f)


def parse_sdk(text):
    from autoc.sdk import Sdk

    return Sdk.parse(text)


def engine_options(f):
    """--engine / --python (AUTOC_PYTHON): who makes the messages under --sdk flytekit (autoc.serialize.engines)."""
    f = click.option(
        "--python", "python", envvar="AUTOC_PYTHON", type=click.Path(dir_okay=False), metavar="PATH",
        help="The project's interpreter for the flytekit engine (it needs flytekit and the project's plugins, not "
             "autoc). Default: the one autoc runs in. Env: AUTOC_PYTHON.")(f)
    return click.option(
        "--engine", type=click.Choice(["auto", "face", "flytekit"]), default="auto", show_default=True,
        help="With --sdk flytekit: face (autoc's own model, no flytekit needed), flytekit (the project's flytekit "
             "discovers and translates), or auto (the face, unless the modules use something it does not cover "
             "yet: then the whole run is redone with flytekit, and one line says why).")(f)


def render_engine(engine: str, reason, verbose: int) -> None:
    """The line saying why auto chose flytekit (always), and which engine served the run (-v)."""
    if reason:
        click.secho(f"autoc: {reason}: the face does not cover this yet, so the whole run was made by {engine}",
                    fg="yellow", err=True)
    elif verbose:
        click.echo(f"engine: {engine}", err=True)
