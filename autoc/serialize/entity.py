"""What translation hands on: one entity (below ``autoc.serialize``, so that the engines, the flytekit engine's
client and ``autoc.remote`` name it without importing the serialize pipeline that imports them)."""

from __future__ import annotations

import dataclasses
from typing import Optional


@dataclasses.dataclass(frozen=True)
class Entity:
    """One translated entity: ``kind`` is ``task`` (admin TaskSpec), ``workflow`` (admin WorkflowSpec) or
    ``launch_plan`` (admin LaunchPlan)."""

    kind: str
    name: str
    message: object
    #: file:line of the Python object that made it, where the engine knows it
    where: Optional[str] = None
