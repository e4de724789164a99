"""autoc's flytekit engine program: run by the project's Python (``--python``), it loads the user modules the way
``pyflyte serialize`` / ``package`` / ``register`` do and hands the entity messages flytekit makes back to autoc.

This file is standalone on purpose: it needs only the standard library and flytekit in the interpreter that runs
it (never autoc). autoc writes one JSON request per line on its stdin; every answer is one JSON line on the
stdout autoc started it with (what user modules print goes to stderr instead). Messages travel as base64 of
their protobuf bytes, in pyflyte's order, with the file:line of the Python object that made them where known.

Requests (``op``): ``load`` (source root, module names, settings) imports the modules; ``serialize`` (settings)
translates everything found; ``register`` (bundle md5, upload location) computes ``pyflyte register``'s version
unless one is given and translates with fast-registration settings. Images are never built here (autoc's
``build-image`` builds them; register checks they exist).

The program runs with Python's cycle collector off (it lives for one run; the collections cost about a fifth of
its CPU) and freezes the heap before it exits (the interpreter's last collection walked every object flytekit made,
1-2 s); ``AUTOC_ENGINE_GC=1`` keeps the collector on (a project whose import makes much cyclic garbage).
"""

import base64
import gc
import json
import os
import sys
import traceback

PROTOCOL = 1
_STATE = {}


def _where_of_exception(exc, root):
    """file:line of the innermost traceback frame under the source root."""
    where = None
    for fs in traceback.extract_tb(exc.__traceback__):
        filename = os.path.abspath(fs.filename)
        if filename.startswith(root + os.sep):
            where = f"{fs.filename}:{fs.lineno}"
    if isinstance(exc, SyntaxError) and exc.filename:
        where = f"{exc.filename}:{exc.lineno}"
    return where


def _error(exc, root, **extra):
    return {"type": type(exc).__name__, "message": f"{type(exc).__name__}: {exc}",
            "where": _where_of_exception(exc, root), "missing": getattr(exc, "name", None)
            if isinstance(exc, ImportError) else None, **extra}


def _where_of_entity(entity):
    """file:line of the function behind a task or workflow, else the file of the module that made it."""
    for attr in ("task_function", "_workflow_function", "workflow_function"):
        fn = getattr(entity, attr, None)
        code = getattr(getattr(fn, "__wrapped__", fn), "__code__", None)
        if code is not None:
            return f"{code.co_filename}:{code.co_firstlineno}"
    wf = getattr(entity, "workflow", None)  # a launch plan: where its workflow is
    if wf is not None and wf is not entity:
        return _where_of_entity(wf)
    module = sys.modules.get(getattr(entity, "instantiated_in", None) or "")
    return getattr(module, "__file__", None)


def _settings(spec, mode):
    """flytekit's SerializationSettings as the pyflyte command ``mode`` builds them."""
    import flytekit
    from flytekit.configuration import FastSerializationSettings, ImageConfig, SerializationSettings

    images = ImageConfig.validate_image(None, "image", tuple(spec.get("images") or ()))
    common = dict(project=spec.get("project"), domain=spec.get("domain"), version=spec.get("version"),
                  image_config=images, env=spec.get("env"))
    if mode == "register":
        import dataclasses

        if "default_resources" in {f.name for f in dataclasses.fields(SerializationSettings)}:  # flytekit >= 1.16
            from flytekit.core.resources import ResourceSpec, Resources

            common["default_resources"] = ResourceSpec(requests=Resources(), limits=Resources())
        settings = SerializationSettings(fast_serialization_settings=None, **common)
        settings = settings.new_builder().build()
        from flytekit.remote.remote import _get_git_repo_url

        settings.git_repo = _get_git_repo_url(spec["source_root"])
    else:
        fast = dict(spec.get("fast") or {})
        if mode == "package":  # pyflyte package's defaults: --python-interpreter, --in-container-source-path
            common["python_interpreter"] = spec.get("python_interpreter") or "/opt/venv/bin/python3"
            fast["destination_dir"] = fast.get("destination_dir") or "/root"
        else:  # serialize: the interpreter pyflyte runs in and flytekit's folder, as pyflyte serialize says
            common["python_interpreter"] = _pyflyte_interpreter()
            common["flytekit_virtualenv_root"] = os.path.dirname(os.path.abspath(flytekit.__file__))
        settings = SerializationSettings(fast_serialization_settings=FastSerializationSettings(
            enabled=bool(fast.get("enabled")), destination_dir=fast.get("destination_dir"),
            distribution_location=fast.get("distribution_location")), **common)
    settings.source_root = spec["source_root"]
    return settings


def _pyflyte_interpreter():
    """``sys.executable`` as ``pyflyte`` beside this interpreter sees it: its script's ``#!`` line names it (e.g.
    ``bin/python3`` where this one was started as ``bin/python``)."""
    script = os.path.join(os.path.dirname(sys.executable), "pyflyte")
    try:
        with open(script, "rb") as f:
            first = f.readline().decode("utf-8", "replace").strip()
    except OSError:
        return sys.executable
    if first.startswith("#!") and os.path.isabs(first[2:].strip().split(" ")[0]):
        return first[2:].strip().split(" ")[0]
    return sys.executable


def _no_image_builds():
    """Serialization names ImageSpec images without building them: building is ``autoc build-image``'s job."""
    from flytekit.image_spec.image_spec import ImageBuildEngine

    ImageBuildEngine.build = classmethod(lambda cls, image_spec: None)


def load(req):
    import importlib

    from flytekit.core.context_manager import FlyteContextManager, FlyteEntities

    _no_image_builds()
    root = os.path.abspath(req["source_root"])
    mode = req.get("mode", "serialize")
    settings = _settings(dict(req["settings"], source_root=root), mode)
    _STATE.update(root=root, mode=mode, settings=settings)
    if root not in sys.path:
        sys.path.insert(0, root)
    importlib.invalidate_caches()
    failures, failed = [], set()
    builder = FlyteContextManager.current_context().with_serialization_settings(settings)
    with FlyteContextManager.with_context(builder):
        for name in req["modules"]:
            try:
                importlib.import_module(name)
            except BaseException as e:  # noqa: B902 - user code may raise anything
                if isinstance(e, KeyboardInterrupt):
                    raise
                failures.append(_error(e, root, module=name))
                failed.add(name)
                if not req.get("keep_going"):
                    break
    if failed:  # what a failed module made before it broke is not serialized
        FlyteEntities.entities[:] = [e for e in FlyteEntities.entities
                                     if getattr(e, "instantiated_in", None) not in failed]
    files = sorted({os.path.abspath(m.__file__) for m in list(sys.modules.values())
                    if getattr(m, "__file__", None) and os.path.abspath(m.__file__).startswith(root + os.sep)})
    return {"failures": failures, "loaded_files": files}


def _image_names():
    """The ImageSpec image of every task found (the name serialization wrote), once each, in task order. Asked
    only after serializing (or where pyflyte register asks): an ImageSpec settles its tag the first time."""
    from flytekit.core.base_task import PythonTask
    from flytekit.core.context_manager import FlyteEntities
    from flytekit.image_spec.image_spec import ImageSpec

    out = []
    for e in FlyteEntities.entities:
        img = getattr(e, "container_image", None) if isinstance(e, PythonTask) else None
        if isinstance(img, ImageSpec) and img.image_name() not in out:
            out.append(img.image_name())
    return out


def _messages(settings, options=None):
    """Every registrable entity, as ``pyflyte serialize`` lists them, with where each was made."""
    from flytekit.core.context_manager import FlyteContextManager, FlyteEntities
    from flytekit.models import launch_plan as lp_models
    from flytekit.models.admin.workflow import WorkflowSpec
    from flytekit.models.task import TaskSpec
    from flytekit.tools.serialize_helpers import get_registrable_entities

    where = {}
    for e in FlyteEntities.entities:
        name = getattr(e, "name", None)
        if isinstance(name, str) and name not in where:
            where[name] = _where_of_entity(e)
    builder = FlyteContextManager.current_context().with_serialization_settings(settings)
    with FlyteContextManager.with_context(builder) as ctx:
        made = get_registrable_entities(ctx, options=options)
    out = []
    for m in made:
        if isinstance(m, TaskSpec):
            kind, name = "task", m.template.id.name
        elif isinstance(m, WorkflowSpec):
            kind, name = "workflow", m.template.id.name
        elif isinstance(m, lp_models.LaunchPlan):
            kind, name = "launch_plan", m.id.name
        else:
            continue
        item = {"kind": kind, "name": name, "where": where.get(name),
                "data": base64.b64encode(m.to_flyte_idl().SerializeToString()).decode("ascii")}
        if kind == "launch_plan":
            item["auto_activate"] = bool(getattr(m, "should_auto_activate", False))
        out.append(item)
    return out


def serialize(req):
    settings = _STATE["settings"]
    try:
        return {"entities": _messages(settings), "images": _image_names()}
    except Exception as e:  # noqa: B902 - flytekit or user code refused to translate something
        return {"entities": [], "error": _error(e, _STATE["root"])}


def _hashed_by_register():
    """What this flytekit's ``pyflyte register`` adds to its version per task (image names since 1.16, pod
    template hashes): the FlyteRemote helpers its ``repo.register`` calls, when they need no remote."""
    import inspect

    from flytekit.remote import FlyteRemote
    from flytekit.tools import repo

    source = inspect.getsource(repo.register)
    return [name for name in ("_get_image_names", "_get_pod_template_hash")
            if name in source and isinstance(inspect.getattr_static(FlyteRemote, name, None), staticmethod)]


def register(req):
    """``pyflyte register`` after loading: fast-registration settings, its version unless given, the messages."""
    from flytekit.configuration import FastSerializationSettings
    from flytekit.core.base_task import PythonTask
    from flytekit.core.context_manager import FlyteEntities
    from flytekit.core.options import Options
    from flytekit.remote import FlyteRemote

    settings = _STATE["settings"]
    version = settings.version
    if req.get("distribution_location") is not None:
        settings.fast_serialization_settings = FastSerializationSettings(
            enabled=True, destination_dir=req.get("destination_dir") or "/root",
            distribution_location=req["distribution_location"])
        if not version:
            extra, hashed = [], [getattr(FlyteRemote, name) for name in _hashed_by_register()]  # (asked once:
            for entity in FlyteEntities.entities.copy():  # inspect.getsource per task took seconds)
                if isinstance(entity, PythonTask):
                    for helper in hashed:
                        extra.extend(helper(entity))
            version = FlyteRemote._version_from_hash(bytes.fromhex(req["md5"]), settings, "", "", *extra)
            settings.version = version
    try:
        entities = _messages(settings, Options.default_from(k8s_service_account="", raw_data_prefix=""))
    except Exception as e:  # noqa: B902
        return {"version": version, "entities": [], "error": _error(e, _STATE["root"])}
    return {"version": version, "entities": entities, "images": _image_names()}


def _spec_fields(spec):
    """An ImageSpec's fields as JSON (a base ImageSpec nested, enums by name)."""
    import dataclasses
    import enum

    from flytekit.image_spec.image_spec import ImageSpec

    out = {}
    for f in dataclasses.fields(spec):
        value = getattr(spec, f.name)
        if isinstance(value, ImageSpec):
            value = {"image_spec": _spec_fields(value)}
        elif isinstance(value, enum.Enum):
            value = {"enum": value.name}
        try:
            json.dumps(value)
        except TypeError:
            value = {"unreadable": repr(value)}
        out[f.name] = value
    return out


def image_specs(req):
    """Every distinct ImageSpec of the tasks, as serializing left it, with the image name it was written under."""
    from flytekit.core.base_task import PythonTask
    from flytekit.core.context_manager import FlyteEntities
    from flytekit.image_spec.image_spec import ImageSpec

    try:
        _messages(_STATE["settings"])
    except Exception as e:  # noqa: B902
        return {"specs": [], "error": _error(e, _STATE["root"])}
    out, seen = [], set()
    for e in FlyteEntities.entities:
        img = getattr(e, "container_image", None) if isinstance(e, PythonTask) else None
        if isinstance(img, ImageSpec) and img.image_name() not in seen:
            seen.add(img.image_name())
            out.append({"image_name": img.image_name(), "fields": _spec_fields(img)})
    return {"specs": out}


HANDLERS = {"load": load, "serialize": serialize, "register": register, "image_specs": image_specs}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or os.getcwd()) == here:
        del sys.path[0]  # autoc's modules beside this file must not shadow the user's (settings.py, image.py...)
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # what user modules (and flytekit) print goes to stderr: stdout carries only the answers
    sys.stdout = sys.stderr

    def send(obj):
        answers.write(json.dumps(obj) + "\n")
        answers.flush()

    if os.environ.get("AUTOC_ENGINE_GC") != "1":
        gc.disable()  # a short-lived process: collecting cycles cost a fifth of its CPU (importing, translating)
    try:
        import flytekit
    except BaseException as e:  # noqa: B902 - any failure to import flytekit means no engine here
        send({"op": "hello", "protocol": PROTOCOL, "error": f"{type(e).__name__}: {e}", "python": sys.executable})
        return 3
    send({"op": "hello", "protocol": PROTOCOL, "flytekit": flytekit.__version__, "python": sys.executable,
          "python_version": ".".join(map(str, sys.version_info[:3]))})
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            reply = HANDLERS[req["op"]](req)
        except BaseException as e:  # noqa: B902 - report, never hang autoc
            if isinstance(e, KeyboardInterrupt):
                raise
            reply = {"error": _error(e, _STATE.get("root", os.getcwd()))}
            reply["error"]["traceback"] = traceback.format_exc()
        send(dict(reply, op=req["op"]))
    gc.freeze()  # the interpreter's last collection at exit walked every object: 1-2 s for nothing
    return 0


if __name__ == "__main__":
    sys.exit(main())
