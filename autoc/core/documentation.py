"""``Documentation`` (flytekit.models.documentation): a workflow's description beyond its docstring."""

from __future__ import annotations

import dataclasses
import enum
from typing import Optional


@dataclasses.dataclass
class Description:
    """A long description: text (``value``) or a link (``uri``), in a format the console renders."""

    class DescriptionFormat(enum.Enum):
        UNKNOWN = 0
        MARKDOWN = 1
        HTML = 2
        RST = 3

    value: Optional[str] = None
    uri: Optional[str] = None
    icon_link: Optional[str] = None
    format: DescriptionFormat = DescriptionFormat.RST

    def to_flyte_idl(self):
        from flyteidl.admin import description_entity_pb2

        return description_entity_pb2.Description(value=self.value or None, uri=self.uri or None,
                                                  format=self.format.value, icon_link=self.icon_link)


@dataclasses.dataclass
class SourceCode:
    link: Optional[str] = None

    def to_flyte_idl(self):
        from flyteidl.admin import description_entity_pb2

        return description_entity_pb2.SourceCode(link=self.link)


@dataclasses.dataclass
class Documentation:
    short_description: Optional[str] = None
    long_description: Optional[Description] = None
    source_code: Optional[SourceCode] = None

    def to_flyte_idl(self):
        from flyteidl.admin import description_entity_pb2

        return description_entity_pb2.DescriptionEntity(
            short_description=self.short_description,
            long_description=self.long_description.to_flyte_idl() if self.long_description else None,
            source_code=self.source_code.to_flyte_idl() if self.source_code else None)


def merged_documentation(docs: Optional[Documentation], docstring) -> Optional[Documentation]:
    """What a task or workflow is described as (flytekit's rule): the docstring's short and long descriptions over
    those of ``docs=Documentation(...)`` (a long one replaces the Description); ``docs`` alone without a docstring."""
    if docstring is None:
        return docs
    merged = dataclasses.replace(docs) if docs is not None else Documentation(long_description=Description())
    if docs is None or docstring.short_description:
        merged.short_description = docstring.short_description
    if docstring.long_description:
        merged.long_description = Description(value=docstring.long_description)
    return merged
