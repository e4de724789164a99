"""What an image needs to run its tasks' container command: the runtime a builder installs after the spec's own
packages. The output flavor (``autoc.sdk.flavor``) chooses it, per SDK: autoc's (``autoc execute``; the running
autoc, as a reproducible wheel) or flytekit's (``pyflyte-execute``; ``flytekit==<version>`` from an index or an
offline wheelhouse). Builders install what this says and never ask which SDK it is.
"""

from __future__ import annotations

import dataclasses
import os
import re
from typing import Mapping, Optional

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclasses.dataclass(frozen=True)
class ImageRuntime:
    """The distribution that runs the container command, and how it gets into an image."""

    #: distribution name (``autoc``, ``flytekit``); also the build context folder ``autoc-build/<name>``
    name: str
    #: the pip requirement installed (``flytekit==1.16.31``); None: the running autoc as a reproducible wheel
    requirement: Optional[str] = None
    #: environment the runtime expects in the image (the spec's ``env`` wins)
    env: Mapping[str, str] = dataclasses.field(default_factory=dict)

    @property
    def is_running_autoc(self) -> bool:
        return self.requirement is None

    def named_by(self, spec) -> Optional[str]:
        """The line of the spec's ``packages``/``requirements`` that installs this runtime itself (then the builder
        adds nothing: the spec's pin wins, as flytekit's builder does), or None."""
        if self.is_running_autoc:
            return None
        lines = list(spec.packages or [])
        if spec.requirements and os.path.isfile(spec.requirements):
            with open(spec.requirements, errors="replace") as f:
                lines += [ln.strip() for ln in f if ln.strip() and not ln.strip().startswith(("#", "-"))]
        for line in lines:
            m = _NAME.match(line)
            if m and _normal(m.group(1)) == _normal(self.name):
                return line
        return None

    def other_pin(self, spec) -> Optional[str]:
        """The version the spec's own line pins this runtime to, when it is not the one the task specs name
        (``metadata.runtime``): the image runs the spec's."""
        ours = re.search(r"==\s*([\w.+!-]+)", self.requirement or "")
        theirs = re.search(r"===?\s*([\w.+!-]+)", self.named_by(spec) or "")
        if ours is None or theirs is None or ours.group(1) == theirs.group(1):
            return None
        return theirs.group(1)


#: autoc's own: ``autoc execute`` runs in the container, so the image gets the running autoc.
AUTOC_RUNTIME = ImageRuntime("autoc")
