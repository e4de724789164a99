"""``autoc serialize`` as a library: discover tasks, workflows and launch plans under paths and turn them into
``_1.pb`` (TaskSpec), ``_2.pb`` (WorkflowSpec) and ``_3.pb`` (LaunchPlan) files."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Sequence

from autoc.errors import AutocError, TaskDefinitionError
from autoc.serialize.discover import Discovery, ModuleFailure, discover
from autoc.serialize.entity import Entity
from autoc.serialize.settings import FastSerializationSettings, SerializationSettings
from autoc.core.tracker import strict_loader_paths

if TYPE_CHECKING:
    from autoc.serialize.write import WrittenFile

__all__ = ["SerializationSettings", "FastSerializationSettings", "SerializeResult", "serialize", "to_specs",
           "Entity", "to_entities"]


@dataclasses.dataclass
class SerializeResult:
    source_root: Path
    modules: List[str]
    files: List[WrittenFile]
    failures: List[ModuleFailure]
    task_errors: List[AutocError]
    output: Optional[str] = None
    archive: Optional[str] = None
    warnings: List[str] = dataclasses.field(default_factory=list)
    #: which engine made the messages (``face`` or ``flytekit X in PYTHON``), and why it was chosen under auto
    engine: str = "face"
    engine_reason: Optional[str] = None

    @property
    def ok(self) -> bool:
        return not self.failures and not self.task_errors

    @property
    def total_bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    def to_json(self) -> dict:
        return {
            "ok": self.ok, "source_root": str(self.source_root), "modules": self.modules,
            "output": self.output, "archive": self.archive, "total_bytes": self.total_bytes,
            "engine": self.engine, "engine_reason": self.engine_reason,
            "tasks": [dataclasses.asdict(f) for f in self.files], "warnings": self.warnings,
            "errors": [{"module": f.module, "where": f.error.where, "message": f.error.message,
                        "hint": f.error.hint} for f in self.failures]
            + [{"where": e.where, "message": e.message, "hint": e.hint} for e in self.task_errors],
        }


def check_unique_names(tasks, kind: str = "task") -> None:
    seen = {}
    for t in tasks:
        if t.name in seen:
            other = seen[t.name]
            raise TaskDefinitionError(
                f"two {kind}s are named {t.name}: one at {_site(other)}, one at {_site(t)}",
                where=_site(t), hint=f"rename one of them; {kind} names must be unique within a registration")
        seen[t.name] = t


def _site(t) -> str:
    return getattr(t, "definition_site", None) or t.creation_site


def pickle_warnings(tasks) -> List[str]:
    """One warning per variable whose type travels as a pickle (readable only by the same Python version)."""
    from autoc.types.engine import uses_pickle

    out = []
    known: dict = {}  # type -> uses_pickle (the same few types recur across thousands of tasks)
    for t in tasks:
        iface = t.python_interface
        for kind, variables in (("input", iface.inputs), ("output", iface.outputs)):
            for name, tp in variables.items():
                try:
                    pickled = known[tp]
                except KeyError:
                    pickled = known[tp] = uses_pickle(tp)
                except TypeError:  # (an unhashable annotation)
                    pickled = uses_pickle(tp)
                if pickled:
                    out.append(f"{_site(t)}: task {t.name} {kind} '{name}' ({getattr(tp, '__name__', tp)}) "
                               f"travels as a pickle: only the same Python version can read it; prefer a "
                               f"dataclass or a supported type")
    return out


def settle_name(t) -> None:
    """Settle the final name of a task the default resolver loads (``bar = task(foo)`` is named by ``bar``) and check
    that it can be found by it; a task another resolver loads keeps the name it was given."""
    from autoc.resolvers.default import DefaultTaskResolver

    if isinstance(getattr(t, "task_resolver", None), DefaultTaskResolver):
        t.loader_location()


@strict_loader_paths
def to_specs(tasks, settings: SerializationSettings, keep_going: bool = False):
    """(task names, TaskSpecs, errors) for ``tasks``; the first error is raised unless ``keep_going``."""
    from autoc.serialize.translate import task_spec

    done, specs, errors = [], [], []
    for t in tasks:
        try:
            settle_name(t)
            specs.append(task_spec(t, settings))
            done.append(t)
        except AutocError as e:
            if not keep_going:
                raise
            errors.append(e)
    check_unique_names(done)
    return [t.name for t in done], specs, errors


def with_discovery(settings: SerializationSettings, found: Discovery) -> SerializationSettings:
    """The settings with what discovery settled: the source root (unless given) and the SDK's output flavor."""
    changes = {} if found.sdk is None or found.sdk.is_default else {"flavor": found.sdk.flavor}
    flavor = changes.get("flavor", settings.flavor)
    cfg = settings.image_config
    if flavor.default_image and (cfg is None or cfg.default_image is None):
        from autoc.image.config import DEFAULT_IMAGE_NAME, Image, ImageConfig

        changes["image_config"] = ImageConfig.create_from(
            Image.look_up_image_info(DEFAULT_IMAGE_NAME, flavor.default_image), cfg.images if cfg else None)
    if settings.source_root is None:
        changes["source_root"] = str(found.source_root)
    return dataclasses.replace(settings, **changes)


def image_specs(found: Discovery, settings: Optional[SerializationSettings] = None, fast: bool = False) -> list:
    """The distinct ImageSpecs of the tasks found, each as the output flavor names it (the reference serialize and
    register write), in serialize's order: with ``settings`` (register's), else with what discovery settled and
    ``fast`` (as for fast registration: pyflyte copies no source into a spec that says nothing about copying)."""
    from autoc.image.engine import distinct_image_specs
    from autoc.serialize.order import kind_of, pyflyte_order

    if settings is None:
        settings = with_discovery(SerializationSettings(
            image_config=None, fast_serialization_settings=FastSerializationSettings(enabled=fast)), found)
    def view(spec):
        return settings.flavor.container_image(spec, settings)

    specs = distinct_image_specs([e for e in found.entities if kind_of(e) == "task"], view)
    if len(specs) < 2:  # the order matters only between specs (ordering thousands of tasks takes ~15 ms)
        return specs
    return distinct_image_specs([e for e in pyflyte_order(found.entities) if kind_of(e) == "task"], view)


def _translate(kind: str, e, settings):
    if kind == "task":
        from autoc.serialize.translate import task_spec

        return task_spec(e, settings)
    if kind == "workflow":
        from autoc.serialize.translate_workflow import workflow_spec

        return workflow_spec(e, settings)
    from autoc.serialize.translate_launch_plan import launch_plan_message

    return launch_plan_message(e, settings)


@strict_loader_paths
def to_entities(found: Discovery, settings: SerializationSettings, keep_going: bool = False):
    """(entities in pyflyte's order, errors): every task, workflow and launch plan found, and what they
    reference, translated. The first error is raised unless ``keep_going``."""
    from autoc.serialize.order import kind_of, pyflyte_order

    ordered = pyflyte_order(found.entities)
    kinds = [kind_of(e) for e in ordered]
    errors: List[AutocError] = []
    for e, kind in zip(ordered, kinds):  # task names settle first (``bar = task(foo)`` is named by ``bar``)
        if kind == "task":
            try:
                settle_name(e)
            except AutocError as err:
                if not keep_going:
                    raise
                errors.append(err)
    out: List[Entity] = []
    done: dict = {}
    maps: dict = {}  # map task name -> its message: each map_task(...) call makes a task, equal ones share a name
    for e, kind in zip(ordered, kinds):
        try:
            message = _translate(kind, e, settings)
        except AutocError as err:
            if not keep_going:
                raise
            errors.append(err)
            continue
        if getattr(e, "is_array_node_map_task", False) or getattr(e, "is_map_task", False):
            if maps.get(e.name) == message:  # pyflyte writes it once per call; autoc's flavor once
                if settings.flavor.repeat_map_tasks:
                    out.append(Entity(kind, e.name, message))
                continue
            maps[e.name] = message
        out.append(Entity(kind, e.name, message))
        done.setdefault(kind, []).append(e)
    for kind, items in done.items():
        check_unique_names(items, kind.replace("_", " "))
    return out, errors


def serialize(paths: Sequence[str], settings: SerializationSettings, out_dir: Optional[str] = None,
              archive: Optional[str] = None, source_root: Optional[str] = None,
              keep_going: bool = False, sdk=None, engine: str = "auto", python: Optional[str] = None
              ) -> SerializeResult:
    """Discover entities under ``paths`` and write one file per entity to ``out_dir`` and/or ``archive``.
    ``sdk`` (``autoc.sdk.Sdk``): the import paths the modules use and the output flavor (``--sdk flytekit``);
    ``engine`` (``auto``, ``face``, ``flytekit``) and ``python``: who makes the messages under ``--sdk flytekit``
    (``autoc.serialize.engines``)."""
    try:
        return _serialize(paths, settings, out_dir, archive, source_root, keep_going, sdk, engine, python)
    except KeyboardInterrupt:  # (an interrupt while the set is swapped in says so itself)
        from autoc.errors import Interrupted

        held = f": {out_dir} still holds the earlier set" if out_dir else ""
        raise Interrupted(f"interrupted before anything was written{held}", hint="run the command again") from None


def face_entities(paths, settings, source_root, keep_going, sdk):
    """The face's hand-over: what discovery and translation by autoc's own model made."""
    from autoc.serialize.engines import Made

    found: Discovery = discover(paths, source_root=source_root, keep_going=keep_going, sdk=sdk)
    settings = with_discovery(settings, found)
    entities, errors = to_entities(found, settings, keep_going=keep_going)
    return Made(found.source_root, found.modules, entities, found.failures, errors,
                found.warnings + pickle_warnings(found.tasks))


def _serialize(paths, settings, out_dir, archive, source_root, keep_going, sdk, engine, python) -> SerializeResult:
    from autoc.serialize import write
    from autoc.serialize.engines import make_entities

    mode = "package" if archive and not out_dir else "serialize"
    made = make_entities(paths, settings, source_root, keep_going, sdk, engine, python, mode, face=face_entities)
    entities, errors = made.entities, made.errors
    if not entities and not errors and not made.failures:  # an empty set never replaces an earlier one
        errors.append(AutocError("no tasks were found", hint="tasks are module-level @task functions or task "
                                                             "objects; does the code use `from autoc import task`? "
                                                             "(code that imports flytekit needs --sdk flytekit)"))
    files = write.file_names(entities)
    blobs = write.serialize_specs([e.message for e in entities])
    entries = list(zip(files, blobs))
    if out_dir:
        errors += write.file_name_errors(entities, files)
    result = SerializeResult(made.source_root, made.modules, write.describe(entities, files, blobs),
                             made.failures, errors, output=out_dir, archive=archive, warnings=made.warnings,
                             engine=made.engine, engine_reason=made.reason)
    if not result.ok:
        return dataclasses.replace(result, files=[])  # only files that were written are listed
    if out_dir:
        from autoc.serialize.swapdir import describe_removed

        swapped = write.write_directory(out_dir, entries)
        result.warnings += [f"removed the temporary folder {p} of an earlier run that did not finish"
                            for p in swapped.leftovers]
        result.warnings += [w for w in [describe_removed(out_dir, swapped.removed)] if w]
    if archive:
        write.write_archive(archive, entries)
    return result
