"""The former path of ``autoc.types.models`` (flytekit's literal models as views over flyteidl, moved next to the type
engine, whose user transformers read them): the same objects under their old names."""

from autoc.types.models import *  # noqa: F401,F403
from autoc.types.models import Model, idl_model, unwrap  # noqa: F401
