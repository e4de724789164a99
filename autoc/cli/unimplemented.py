"""Commands whose issues have not landed yet: they say so clearly and exit non-zero."""

import click


def _not_yet(name: str, issue: str):
    @click.command(name=name, context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
                   help=f"Not implemented yet ({issue}).")
    def cmd():
        raise click.ClickException(f"`autoc {name}` is not implemented yet ({issue}).")

    return cmd


register = _not_yet("register", "issue: `autoc register`")
