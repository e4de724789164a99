"""flytekit constructs autoc does not implement yet. Each is importable under flytekit's name and refuses to be
used, naming the user's file:line, so a module that needs one fails loudly instead of serializing a wrong
workflow (pyflyte accepts them)."""

from __future__ import annotations

from autoc.core.node import not_supported, user_site

_HINT = "keep the workflow linear (task, subworkflow and launch plan calls), or serialize this module with pyflyte " \
        "for now"


def _refuse(construct: str, hint: str = _HINT):
    raise not_supported(construct, where=user_site(2), hint=hint)

