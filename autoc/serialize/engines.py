"""Which engine makes the messages of a run: the face (autoc's own model) or the project's flytekit
(``autoc.sdk.flytekit.engine``). Both end here, in a :class:`Made`: the ordered entity messages and what went
wrong; everything after (writing, JSON, registering) never asks which one it was."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import List, Optional

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
                  python: Optional[str], mode: str = "serialize") -> Made:
    """The entities of ``paths`` by the engine ``engine`` picks (see :func:`choose`); ``mode`` is the pyflyte
    command the flytekit engine's settings follow (``serialize`` or ``package``)."""
    from autoc.serialize import face_entities

    picked = choose(sdk, engine)
    if picked == FLYTEKIT:
        return flytekit_entities(paths, settings, source_root, keep_going, python, mode)
    if picked == FACE:
        return face_entities(paths, settings, source_root, keep_going, sdk)
    try:
        made = face_entities(paths, settings, source_root, keep_going, sdk)
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


def face_gap_of(errors, caught: bool = False) -> Optional[str]:
    """The first construct the face did not answer among ``errors`` (and, with ``caught``, among the unsupported
    imports user code caught with ``except ImportError``: their outcome would differ from pyflyte's)."""
    from autoc.sdk.flytekit.engine import face_gap

    for e in errors:
        gap = face_gap(e)
        if gap is not None:
            return gap
    if caught:
        import sys

        imports = sys.modules.get("autoc.sdk.flytekit.imports")
        for e in getattr(imports, "RAISED", []):
            return face_gap(e) + " (caught by the module's `except ImportError`)"
    return None


def fall_back(gap: str, python: Optional[str], run, refusal: Optional[AutocError] = None,
              refusals: Optional[list] = None, made: Optional[Made] = None) -> Made:
    """Redo the run with the flytekit engine when one is usable; else the face's refusal stands, its hint naming
    what to install (a face result whose only gap was a caught import stands, with a warning)."""
    from autoc.sdk.flytekit.engine import install_hint, probe

    engine = probe(python)
    if engine is not None:
        return run(engine)
    hint = install_hint(gap, python)
    for e in [refusal, *(refusals or [])]:
        if e is not None and face_gap_of([e]) is not None:
            e.hint = hint
    if refusal is not None:
        raise refusal
    if made is not None and not made.failures and not made.errors:
        made.warnings.append(f"{gap}: the face answered the fallback, pyflyte may not; {hint}")
    return made


def flytekit_entities(paths, settings, source_root, keep_going: bool, python: Optional[str], mode: str,
                      reason: Optional[str] = None, engine=None) -> Made:
    """The flytekit engine's hand-over: what the project's flytekit made of the modules."""
    from autoc.sdk.flytekit.engine import FlytekitEngine, entities_of, error_of, load, settings_request
    from autoc.serialize.discover import list_modules

    engine = engine or FlytekitEngine(python)  # started first: flytekit imports while the modules are listed
    with engine:
        skipped: List[str] = []
        root, modules = list_modules(paths, source_root, skipped)
        if not engine.usable:
            raise engine.unusable_error()
        loaded = load(engine, root, modules, settings_request(settings), mode, keep_going)
        reply = engine.call("serialize")
        errors = [error_of(reply["error"])] if reply.get("error") else []
        if errors and not keep_going:
            raise errors[0]
        return Made(root, modules, entities_of(reply), loaded.failures, errors, list(dict.fromkeys(skipped)),
                    engine=f"flytekit {engine.flytekit_version} ({engine.python})", reason=reason)
