"""SQL tasks: ``SQLTask`` (the base of SQL task types: a query template, no container; Flyte's plugin for the
task type runs the query) and ``SQLite3Task`` with ``SQLite3Config`` (a query against a SQLite file, run by
flytekit's prebuilt executor in flytekit's image: no user code and no user image)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Dict, Optional, Type

from autoc.core.interface import Interface
from autoc.core.metadata import TaskMetadata
from autoc.core.node import user_site
from autoc.core.resources import Resources, build_resource_spec
from autoc.core.seams import above
from autoc.core.task import PythonTask, T
from autoc.errors import TaskDefinitionError


class SQLTask(PythonTask[T]):
    """``SQLTask(name, query_template="... {{ .inputs.x }} ...", inputs=kwtypes(...), outputs=kwtypes(...),
    task_type="sql_task", metadata=TaskMetadata(...))``: the query's whitespace is folded to single spaces."""

    _INPUT_REGEX = re.compile(r"({{\s*.inputs.(\w+)\s*}})", re.IGNORECASE)

    def __init__(self, name: str, query_template: str, task_config: Optional[T] = None, task_type="sql_task",
                 inputs: Optional[Dict[str, Type]] = None, metadata: Optional[TaskMetadata] = None,
                 outputs: Optional[Dict[str, Type]] = None, **kwargs):
        if not isinstance(query_template, str):
            raise TaskDefinitionError(f"SQL task {name}: query_template must be a string", where=user_site())
        super().__init__(task_type=task_type, name=name, interface=Interface(inputs=inputs or {},
                                                                             outputs=outputs or {}),
                         metadata=metadata, task_config=task_config, **kwargs)
        self._query_template = re.sub(r"\s+", " ", query_template.replace("\n", " ").replace("\t", " ")).strip()

    @property
    def query_template(self) -> str:
        return self._query_template

    def execute(self, **kwargs) -> Any:
        from autoc.errors import UserInputError

        raise UserInputError(f"SQL task {self.name} cannot run here: the query runs in Flyte's {self.task_type} "
                             f"plugin", hint="run the workflow on Flyte")

    def get_query(self, **kwargs) -> str:
        return self.interpolate_query(self.query_template, **kwargs)

    @classmethod
    def interpolate_query(cls, query_template: str, **kwargs) -> str:
        """``{{ .inputs.x }}`` replaced by ``str(x)``; every input must appear in the query."""
        query, matched = query_template, set()
        for m in cls._INPUT_REGEX.finditer(query_template):
            expr, var = m.groups()
            if var not in kwargs:
                raise ValueError(f"Variable {var} in Query (part of {expr}) not found in inputs {list(kwargs)}")
            matched.add(var)
            query = query.replace(expr, str(kwargs[var]))
        extra = set(kwargs) - matched
        if extra:
            raise ValueError(f"Extra Inputs have no matches in query template - missing {sorted(extra)}")
        return query


@dataclasses.dataclass
class SQLite3Config:
    """The SQLite database: ``uri`` (a path in the image, or a URL downloaded at run time), ``compressed``: an
    archive (zip, tar, gztar, bztar, xztar) holding the one database file."""

    uri: str
    compressed: bool = False


#: what runs a SQLite3Task in its container: flytekit's task-template resolver and executor
SQLITE_EXECUTOR = "flytekit.extras.sqlite3.task.SQLite3TaskExecutor"
TEMPLATE_RESOLVER = "flytekit.core.python_customized_container_task.default_task_template_resolver"


class SQLite3Task(SQLTask[SQLite3Config]):
    """``SQLite3Task(name, query_template, inputs=kwtypes(...), task_config=SQLite3Config(uri=...),
    output_schema_type=FlyteSchema[...] or StructuredDataset, container_image=None)``: a prebuilt container task.
    Its image is ``container_image`` or flytekit's published image (in both flavors: the executor is flytekit's,
    so the project's ``--image`` is not used, as in pyflyte)."""

    _SQLITE_TASK_TYPE = "sqlite"

    def __init__(self, name: str, query_template: str, inputs: Optional[Dict[str, Type]] = None,
                 task_config: Optional[SQLite3Config] = None, output_schema_type: Optional[Type] = None,
                 container_image: Optional[str] = None, requests: Optional[Resources] = None,
                 limits: Optional[Resources] = None, environment: Optional[Dict[str, str]] = None, **kwargs):
        where = user_site()
        if task_config is None or task_config.uri is None:
            raise TaskDefinitionError(f"SQLite3Task {name}: the database uri is required", where=where,
                                      hint='task_config=SQLite3Config(uri="https://.../db.zip", compressed=True)')
        if output_schema_type is None:  # flytekit's default: a FlyteSchema
            from autoc.types.schema import FlyteSchema

            output_schema_type = FlyteSchema
        self._container_image = container_image
        super().__init__(name=name, query_template=query_template, task_config=task_config,
                         task_type=self._SQLITE_TASK_TYPE, inputs=inputs,
                         outputs={"results": output_schema_type}, environment=environment, **kwargs)
        self._resources = build_resource_spec(requests, limits, None)

    @property
    def container_image(self) -> Optional[str]:
        return self._container_image

    @property
    def resources(self):
        return self._resources

    def get_custom(self, settings) -> Dict[str, Any]:
        return {"query_template": self.query_template, "uri": self.task_config.uri,
                "compressed": self.task_config.compressed}

    def get_image(self, settings) -> str:
        prebuilt_image = above("flytekit_flavor").prebuilt_image
        return above("translate").resolve_image(self._container_image or prebuilt_image(settings.flavor), settings,
                                                task_name=self.name)

    def get_container(self, settings):
        from flyteidl.core import tasks_pb2

        convert_resources_to_resource_model = above("translate").convert_resources_to_resource_model

        args = ["pyflyte-execute", "--inputs", "{{.input}}", "--output-prefix", "{{.outputPrefix}}",
                "--raw-output-data-prefix", "{{.rawOutputDataPrefix}}", "--resolver", TEMPLATE_RESOLVER, "--",
                "{{.taskTemplatePath}}", SQLITE_EXECUTOR]
        c = tasks_pb2.Container(image=self.get_image(settings), args=args)
        c.resources.CopyFrom(convert_resources_to_resource_model(self._resources.requests, self._resources.limits))
        for k, v in {**(settings.env or {}), **self.environment}.items():
            c.env.add(key=k, value=v)
        return c


__all__ = ["SQLTask", "SQLite3Task", "SQLite3Config"]
