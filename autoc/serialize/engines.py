"""Which engine makes the messages of a run: the face (autoc's own model) or the project's flytekit
(``autoc.sdk.flytekit.engine``, above this package: reached through ``autoc.sdk.face``). Both end here, in a
:class:`Made`: the ordered entity messages and what went wrong; everything after (writing, JSON, registering) never
asks which one it was."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable, List, Optional

from autoc.errors import AutocError, UserInputError

FACE, FLYTEKIT, AUTO = "face", "flytekit", "auto"


@dataclasses.dataclass
class Made:
    source_root: Path
    modules: List[str]
    entities: list  # autoc.serialize.Entity, in pyflyte's order
    failures: list  # autoc.serialize.discover.ModuleFailure
    errors: List[AutocError]
    warnings: List[str]
    engine: str = FACE  # "face", or "flytekit X in PYTHON"
    reason: Optional[str] = None  # under auto: the construct (file:line) that sent the run to flytekit


def flytekit_engine():
    """The flytekit face's engine (``autoc.sdk.flytekit.engine``): the face sits above serialization, which asks for
    it by name (``autoc.sdk.face``)."""
    from autoc.sdk import face

    return face(FLYTEKIT, "engine")


def choose(sdk, engine: Optional[str]) -> str:
    """The engine asked for: ``--engine`` (auto by default) under ``--sdk flytekit``; always the face for autoc's
    own names (``--engine flytekit`` alone means the modules are flytekit code)."""
    engine = (engine or AUTO).lower()
    if engine not in (FACE, FLYTEKIT, AUTO):
        raise UserInputError(f"--engine {engine!r} is not an engine", hint="--engine face, flytekit or auto")
    if sdk is None or sdk.is_default:
        return FLYTEKIT if engine == FLYTEKIT else FACE
    return engine


def make_entities(paths, settings, source_root, keep_going: bool, sdk, engine: Optional[str],
                  python: Optional[str], mode: str = "serialize", *, face: Callable[..., Made]) -> Made:
    """The entities of ``paths`` by the engine ``engine`` picks (see :func:`choose`); ``mode`` is the pyflyte
    command the flytekit engine's settings follow (``serialize`` or ``package``). ``face`` is the face's hand-over
    (``autoc.serialize.face_entities``, passed in by the serialize pipeline that calls this)."""
    picked = choose(sdk, engine)
    if picked == FLYTEKIT:
        return flytekit_entities(paths, settings, source_root, keep_going, python, mode)  # (cached, else started)
    if picked == FACE:
        return face(paths, settings, source_root, keep_going, sdk)
    gap = plugin_import(paths, source_root)
    if gap is not None:  # the face would stop there: no need to run it first
        made = flytekit_entities(paths, settings, source_root, keep_going, python, mode, gap, None)
        if made is None:
            engine = flytekit_engine().probe(python)
            if engine is not None:
                made = flytekit_entities(paths, settings, source_root, keep_going, python, mode, gap, engine)
        if made is not None:
            return made
    try:
        made = face(paths, settings, source_root, keep_going, sdk)
    except AutocError as e:
        gap = face_gap_of([e])
        if gap is None and isinstance(e, UserInputError) and "which flytekit version" in e.message:
            gap = "no flytekit version pinned for the face to speak for"  # the engine's flytekit knows it
        if gap is None:
            raise
        return fall_back(gap, python, lambda engine: flytekit_entities(
            paths, settings, source_root, keep_going, python, mode, gap, engine), refusal=e)
    gap = face_gap_of([f.error for f in made.failures] + made.errors, caught=True)
    if gap is None:
        return made
    return fall_back(gap, python, lambda engine: flytekit_entities(
        paths, settings, source_root, keep_going, python, mode, gap, engine),
        refusals=[f.error for f in made.failures] + made.errors, made=made)


def register_cache(root, modules: List[str], python: str, images, project, domain, version, copy: str):
    """The engine's answer cache of a ``register`` run (``AnswerCache``), and the settings the engine is asked with."""
    AnswerCache = flytekit_engine().AnswerCache
    spec = {"images": list(images), "project": project, "domain": domain, "version": version}
    request = {"op": "register", "modules": modules, "settings": spec, "copy": copy}
    return AnswerCache(root, python, request), spec


def prestart_register(paths, source_root, sdk, engine: Optional[str], python: Optional[str], images, project,
                      domain, version, copy: str) -> None:
    """Start the flytekit engine at once (before autoc imports the rest of itself) when this ``register`` run will
    ask it: source modules under ``--sdk flytekit`` with ``--engine flytekit``, or ``auto`` and a plugin import
    (the face answers none), and no answer of the engine's for this unchanged tree."""
    picked = choose(sdk, engine)
    if picked == FACE or (picked == AUTO and plugin_import(paths, source_root) is None):
        return
    fk = flytekit_engine()
    prestart, python_for = fk.prestart, fk.python_for
    from autoc.serialize.discover import list_modules

    try:
        root, modules = list_modules(paths, source_root, pkgutil_names=True)  # as _EngineRegistration lists them
    except AutocError:
        return  # (.pb files, an archive, bad paths: said where the run reads them)
    if modules and register_cache(root, modules, python_for(python), images, project, domain, version,
                                  copy)[0].get() is None:
        prestart(python)


_PLUGIN_IMPORT = None


def plugin_import(paths, source_root) -> Optional[str]:
    """``file:line: import flytekitplugins.x`` for the first module that imports a flytekit plugin (the face
    answers none), found by reading the sources, not importing them; None when none does."""
    import re

    from autoc.serialize.discover import list_modules

    global _PLUGIN_IMPORT
    if _PLUGIN_IMPORT is None:
        _PLUGIN_IMPORT = re.compile(rb"^[ \t]*(?:from|import)[ \t]+(flytekitplugins(?:\.\w+)?)", re.M)
    try:
        root, modules = list_modules(paths, source_root, pkgutil_names=True)
    except AutocError:
        return None
    for name in modules:
        base = root.joinpath(*name.split("."))
        path = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
        try:
            data = path.read_bytes()
        except OSError:
            continue
        m = _PLUGIN_IMPORT.search(data)
        if m is not None:
            line = data.count(b"\n", 0, m.start()) + 1
            return f"{path}:{line}: import {m.group(1).decode()}"
    return None


def face_gap_of(errors, caught: bool = False) -> Optional[str]:
    """The first construct the face did not answer among ``errors`` (and, with ``caught``, among the unsupported
    imports user code caught with ``except ImportError``: their outcome would differ from pyflyte's)."""
    import sys

    imports = sys.modules.get("autoc.sdk.flytekit.imports")
    raised = getattr(imports, "RAISED", []) if caught else []
    if not errors and not raised:  # the usual case: nothing to look at, the engine's module stays unimported
        return None
    face_gap = flytekit_engine().face_gap
    for e in errors:
        gap = face_gap(e)
        if gap is not None:
            return gap
    for e in raised:
        return face_gap(e) + " (caught by the module's `except ImportError`)"
    return None


def fall_back(gap: str, python: Optional[str], run, refusal: Optional[AutocError] = None,
              refusals: Optional[list] = None, made: Optional[Made] = None) -> Made:
    """Redo the run with the flytekit engine (its cached answer, else a usable flytekit); else the face's refusal
    stands, its hint naming what to install (a face result whose only gap was a caught import stands, with a
    warning)."""
    cached = run(None)
    if cached is not None:
        return cached
    engine = flytekit_engine().probe(python)
    if engine is not None:
        return run(engine)
    hint = flytekit_engine().install_hint(gap, python)
    for e in [refusal, *(refusals or [])]:
        if e is not None and face_gap_of([e]) is not None:
            e.hint = hint
    if refusal is not None:
        raise refusal
    if made is not None and not made.failures and not made.errors:
        made.warnings.append(f"{gap}: the face answered the fallback, pyflyte may not; {hint}")
    return made


def flytekit_entities(paths, settings, source_root, keep_going: bool, python: Optional[str], mode: str,
                      reason: Optional[str] = None, engine=False) -> Optional[Made]:
    """The flytekit engine's hand-over: what the project's flytekit made of the modules (its cached answer for an
    unchanged tree, interpreter and request). ``engine``: a started engine, None for the cached answer only (None
    when there is none), False to start one when needed."""
    fk = flytekit_engine()
    AnswerCache, FlytekitEngine, entities_of, error_of = fk.AnswerCache, fk.FlytekitEngine, fk.entities_of, fk.error_of
    failures_of, python_for, settings_request = fk.failures_of, fk.python_for, fk.settings_request
    from autoc.serialize.discover import list_modules

    skipped: List[str] = []
    root, modules = list_modules(paths, source_root, skipped, pkgutil_names=True)
    interpreter = engine.python if engine else python_for(python)
    request = {"modules": modules, "settings": settings_request(settings), "mode": mode, "keep_going": keep_going}
    cache = AnswerCache(root, interpreter, dict(request, op="serialize"))
    answer = cache.get()
    if answer is None and engine is None:
        return None
    if answer is not None:
        if engine:
            engine.close()
        served = f"flytekit {answer['flytekit']} ({interpreter}, its answer for this unchanged tree)"
    else:
        engine = engine or FlytekitEngine(python)
        with engine:
            if not engine.usable:
                raise engine.unusable_error()
            loaded = engine.call("load", source_root=str(root), **request)
            answer = {"flytekit": engine.flytekit_version, "failures": loaded["failures"], "serialize": {}}
            if not loaded["failures"] or keep_going:
                answer["serialize"] = engine.call("serialize")
        if not answer["failures"] and not answer["serialize"].get("error"):
            cache.put(answer)
        served = f"flytekit {engine.flytekit_version} ({engine.python})"
    failures = failures_of(answer["failures"], root)
    if failures and not keep_going:
        raise failures[0].error
    reply = answer["serialize"]
    errors = [error_of(reply["error"])] if reply.get("error") else []
    if errors and not keep_going:
        raise errors[0]
    return Made(root, modules, entities_of(reply), failures, errors, list(dict.fromkeys(skipped)), engine=served,
                reason=reason)
