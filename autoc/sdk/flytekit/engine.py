"""The second engine behind ``--sdk flytekit``: the project's own flytekit discovers and translates, in the
interpreter autoc runs in or in ``--python PATH`` / ``AUTOC_PYTHON``, through ``engine_program.py`` (a standalone
file that needs only flytekit there). It ends where the face ends: an ordered list of entity messages
(``autoc.serialize.Entity``) with their source locations; everything after that is autoc's one code path.

``auto`` (the default under ``--sdk flytekit``) runs the face and, when the face meets something it does not
answer (an unsupported import, also one the user's code catches with ``except ImportError``, or construct), redoes
the whole run with this engine and says which construct sent it there.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import List, Optional

from autoc.errors import AutocError, DiscoveryError, UserInputError

ENGINES = ("auto", "face", "flytekit")
PROGRAM = Path(__file__).with_name("engine_program.py")
PROTOCOL = 1


class EngineError(AutocError):
    """The flytekit engine could not be started or broke off."""


def python_for(python: Optional[str]) -> str:
    """The interpreter the flytekit engine runs in: ``--python``, else ``AUTOC_PYTHON``, else autoc's own."""
    return python or os.environ.get("AUTOC_PYTHON") or sys.executable


class FlytekitEngine:
    """One run of the engine program: started at once (flytekit imports while autoc gets ready), then asked."""

    def __init__(self, python: Optional[str] = None):
        self.python = python_for(python)
        if not (os.path.isfile(self.python) and os.access(self.python, os.X_OK)):
            raise UserInputError(f"--python {self.python}: no such interpreter",
                                 hint="pass the project's interpreter, e.g. --python .venv/bin/python")
        started = _PRESTARTED.pop(self.python, None)
        self._proc = started or subprocess.Popen([self.python, str(PROGRAM)], stdin=subprocess.PIPE,
                                                 stdout=subprocess.PIPE, text=True, bufsize=1)
        self._hello: Optional[dict] = None

    @property
    def hello(self) -> dict:
        """What the program said when it started: the flytekit version, or why there is none."""
        if self._hello is None:
            self._hello = self._read("hello")
        return self._hello

    @property
    def usable(self) -> bool:
        return "flytekit" in self.hello and self.hello.get("protocol") == PROTOCOL

    @property
    def flytekit_version(self) -> str:
        return self.hello.get("flytekit", "")

    def _read(self, op: str) -> dict:
        line = self._proc.stdout.readline()
        if not line:
            code = self._proc.wait()
            raise EngineError(f"the flytekit engine in {self.python} stopped (exit code {code}) before answering "
                              f"{op}", hint="its messages are above; run with -v for autoc's side")
        return json.loads(line)

    def call(self, op: str, **request) -> dict:
        self.send(op, **request)
        return self.receive(op)

    def send(self, op: str, **request) -> None:
        """Ask without waiting: the program works on it while autoc goes on (:meth:`receive` gives the answer)."""
        if not self.usable:
            raise self.unusable_error()
        self._proc.stdin.write(json.dumps(dict(request, op=op)) + "\n")
        self._proc.stdin.flush()

    def receive(self, op: str) -> dict:
        """The answer to the request ``op`` sent last."""
        reply = self._read(op)
        if "error" in reply and op == "load":  # the program itself broke, not the user's module
            err = reply["error"]
            raise EngineError(f"the flytekit engine failed: {err['message']}", where=err.get("where"),
                              hint=err.get("traceback"))
        return reply

    def release(self) -> None:
        """Nothing more to ask: the program exits while autoc goes on (:meth:`close` then finds it gone)."""
        if self._proc.poll() is None and not self._proc.stdin.closed:
            try:
                self._proc.stdin.close()
            except OSError:
                pass

    def unusable_error(self) -> EngineError:
        why = self.hello.get("error") or f"it speaks protocol {self.hello.get('protocol')}, not {PROTOCOL}"
        return EngineError(f"{self.python} cannot run the flytekit engine: {why}",
                           hint=f"install flytekit (and the plugins the project imports) there: {self.python} -m pip "
                                f"install flytekit; or pass --python with the project's interpreter")

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                self._proc.stdin.close()
            except OSError:
                pass
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc.stdout.close()

    def __enter__(self) -> "FlytekitEngine":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_PRESTARTED: dict = {}  # interpreter -> the program's process, started before autoc knew it needs it


def prestart(python: Optional[str]) -> None:
    """Start the engine program in ``python`` now, before autoc imports its own modules (flytekit takes seconds to
    import): the next :class:`FlytekitEngine` of that interpreter takes it over; one nobody took is stopped when
    autoc exits. Called only where the run is known to need flytekit (see ``autoc.serialize.engines``)."""
    import atexit

    python = python_for(python)
    if python in _PRESTARTED or not (os.path.isfile(python) and os.access(python, os.X_OK)):
        return  # (a missing interpreter is reported where the engine is asked for)
    try:
        _PRESTARTED[python] = subprocess.Popen([python, str(PROGRAM)], stdin=subprocess.PIPE,
                                               stdout=subprocess.PIPE, text=True, bufsize=1)
    except OSError:
        return
    if len(_PRESTARTED) == 1:
        atexit.register(_stop_prestarted)


def _stop_prestarted() -> None:
    while _PRESTARTED:
        _, proc = _PRESTARTED.popitem()
        proc.kill()
        proc.wait()
        proc.stdin.close()
        proc.stdout.close()


def probe(python: Optional[str]) -> Optional[FlytekitEngine]:
    """A started engine if the interpreter has a usable flytekit, else None (the engine is closed)."""
    try:
        engine = FlytekitEngine(python)
    except (UserInputError, OSError):
        return None
    if engine.usable:
        return engine
    engine.close()
    return None


# --- messages --------------------------------------------------------------------------------------------------

def entities_of(reply: dict) -> list:
    """The program's entities as ``autoc.serialize.Entity`` objects (messages parsed with autoc's flyteidl)."""
    from autoc.remote.entities import message_class
    from autoc.serialize.entity import Entity

    out = []
    for item in reply.get("entities", []):
        message = message_class(item["kind"])()
        message.ParseFromString(base64.b64decode(item["data"]))
        out.append(Entity(item["kind"], item["name"], message, where=item.get("where")))
    return out


def error_of(err: dict, module: Optional[str] = None) -> AutocError:
    """An error the program reported (a module that failed to import, a refused translation) as autoc's own."""
    what = f"module {module} failed to import: " if module else "flytekit could not serialize the entities: "
    hint = "fix the error above; run `python -c 'import " + module + "'` from the source root to reproduce it" \
        if module else "the message is flytekit's own; pyflyte serialize fails the same way"
    missing = err.get("missing") or ""
    if missing.split(".")[0] in ("flytekit", "flytekitplugins"):
        hint = f"install {install_name(missing, err.get('where'))} in the engine's interpreter"
    return DiscoveryError(what + err["message"], where=err.get("where"), hint=hint)


@dataclasses.dataclass
class Load:
    """What loading the modules found: failures per module, the loaded files."""

    failures: list
    loaded_files: List[str]


def failures_of(reported: list, root: Path) -> list:
    """The modules the program could not import, as discovery's ModuleFailures."""
    from autoc.serialize.discover import ModuleFailure

    return [ModuleFailure(f["module"], str(root.joinpath(*f["module"].split("."))), error_of(f, f["module"]))
            for f in reported]


def load(engine: FlytekitEngine, root: Path, modules: List[str], settings: dict, mode: str,
         keep_going: bool) -> Load:
    send_load(engine, root, modules, settings, mode, keep_going)
    return loaded(engine, root, keep_going)


def send_load(engine: FlytekitEngine, root: Path, modules: List[str], settings: dict, mode: str,
              keep_going: bool) -> None:
    """Start loading the modules (:func:`loaded` waits for it)."""
    engine.send("load", source_root=str(root), modules=modules, settings=settings, mode=mode, keep_going=keep_going)


def loaded(engine: FlytekitEngine, root: Path, keep_going: bool) -> Load:
    """The answer of :func:`send_load`: the first module that failed raises, unless ``keep_going``."""
    reply = engine.receive("load")
    failures = failures_of(reply["failures"], root)
    if failures and not keep_going:
        raise failures[0].error
    return Load(failures, reply["loaded_files"])


def settings_request(settings, fast=None) -> dict:
    """What the program needs of autoc's SerializationSettings: the images the user gave (flytekit picks its own
    default otherwise), project, domain, version, env, fast registration."""
    cfg = settings.image_config
    images = [f"{i.name}={i.full}" for i in (cfg.images if cfg else [])]
    fss = fast if fast is not None else settings.fast_serialization_settings
    return {"images": images, "project": settings.project, "domain": settings.domain, "version": settings.version,
            "env": settings.env, "fast": dataclasses.asdict(fss) if fss is not None else None}


# --- auto: when the face does not answer ------------------------------------------------------------------------

def face_gap(error: BaseException) -> Optional[str]:
    """The construct (with its file:line) the face does not answer, when ``error`` is such a refusal; None for
    any other error (a bug in the user's code fails the same way in flytekit)."""
    from autoc.sdk.flytekit.imports import UnsupportedImport

    if isinstance(error, UnsupportedImport) or getattr(error, "face_gap", False):
        where = f"{error.where}: " if getattr(error, "where", None) else ""
        return where + error.message.split(": autoc does not implement")[0]
    return None


_PLUGIN = re.compile(r"\b(flytekitplugins)[./]([A-Za-z0-9_]+)")


def install_name(module: str, where: Optional[str] = None) -> str:
    """The distribution a flytekit import comes from: ``flytekitplugins.kfpytorch`` -> flytekitplugins-kfpytorch;
    when ``module`` names only the namespace, the import statement at ``where`` (file:line) says which plugin."""
    m = _PLUGIN.search(module) or _PLUGIN.search(_statement_at(where))
    return f"{m.group(1)}-{m.group(2).replace('_', '-')}" if m else "flytekit"


def _statement_at(where: Optional[str]) -> str:
    """The source line at ``file:line`` and the next two (an import in parentheses), or ""."""
    if not where or ":" not in where:
        return ""
    path, _, line = where.rpartition(":")
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        return " ".join(lines[int(line) - 1:int(line) + 2])
    except (OSError, ValueError, UnicodeError):
        return ""


def install_hint(construct: str, python: Optional[str]) -> str:
    """The hint of a refusal when no flytekit can take over (``construct``: ``file:line: what``): what to
    install, where."""
    where = ":".join(construct.split(": ", 1)[0].split(":")[:2]) if ": " in construct else None
    plugin = install_name(construct, where)
    what = "flytekit" + (f" and {plugin}" if plugin != "flytekit" else "")
    where = python_for(python)
    return (f"autoc's face does not cover this yet; with {what} installed, autoc makes this run with flytekit "
            f"itself: `{where} -m pip install {what.replace(' and ', ' ')}`, or pass --python (AUTOC_PYTHON) "
            f"naming the project's interpreter that has them")


# --- images (build-image) --------------------------------------------------------------------------------------

def image_specs(paths, source_root: Optional[str], fast: bool, engine: FlytekitEngine) -> list:
    """The distinct ImageSpecs of the tasks the project's flytekit finds, as autoc ImageSpecs under flytekit's tag
    rule, each checked to have the name flytekit writes into the task specs (so what ``autoc build-image`` builds is
    what the engine's ``serialize``/``register`` name). The engine's loaded modules count as loaded here (the
    files a spec copies)."""
    from autoc.core.sourcefiles import LOADED_ELSEWHERE
    from autoc.image.engine import ImageBuildEngine
    from autoc.serialize.discover import list_modules

    with engine:
        root, modules = list_modules(paths, source_root, pkgutil_names=True)
        if not engine.usable:
            raise engine.unusable_error()
        loaded = load(engine, root, modules, {"images": [], "fast": {"enabled": fast}}, "serialize", False)
        reply = engine.call("image_specs")
        if reply.get("error"):
            raise error_of(reply["error"])
    LOADED_ELSEWHERE[:] = loaded.loaded_files
    out = []
    for item in reply["specs"]:
        spec = _autoc_spec(item["fields"])
        ours = ImageBuildEngine.reference(spec)
        if ours != item["image_name"]:
            raise AutocError(f"ImageSpec {spec.name}: autoc would build {ours}, but flytekit's task specs name "
                             f"{item['image_name']}", hint="build this image with `pyflyte build` for now")
        out.append(spec)
    return out


def _autoc_spec(fields: dict):
    """flytekit's ImageSpec fields as the face's ImageSpec (flytekit's tag rule); a field autoc cannot honour is an
    error naming it."""
    from autoc.image.spec import CopyFileDetection
    from autoc.sdk.flytekit.image import ImageSpec

    known = {f.name for f in dataclasses.fields(ImageSpec)}
    kwargs = {}
    for name, value in fields.items():
        if isinstance(value, dict) and "image_spec" in value:
            value = _autoc_spec(value["image_spec"])
        elif isinstance(value, dict) and "enum" in value:
            value = CopyFileDetection[value["enum"]]
        if name not in known or (isinstance(value, dict) and "unreadable" in value):
            if value in (None, [], {}, "", False):
                continue
            raise AutocError(f"ImageSpec {fields.get('name')}: autoc cannot build its field {name} ({value!r})",
                             hint="build this image with `pyflyte build` for now")
        kwargs[name] = value
    return ImageSpec(**kwargs)


# --- the answer cache ------------------------------------------------------------------------------------------

class AnswerCache:
    """The engine's answers for one source tree, interpreter and request, kept under ``~/.cache/autoc/engine``:
    re-running on an unchanged tree (the usual unchanged ``register``) needs no flytekit at all. The key is every
    file's path, size and mtime under the source root (``.git`` and ``__pycache__`` aside), the interpreter and the
    mtimes of its environment's site-packages (installing a plugin changes them), the ``FLYTE*`` environment, this
    engine's program, and the request. Files serialize and package write (``.pb``, ``.tgz``) are not part of it.
    ``AUTOC_ENGINE_CACHE=0`` turns it off."""

    def __init__(self, root: Path, python: str, request: dict):
        self.path: Optional[Path] = None
        if os.environ.get("AUTOC_ENGINE_CACHE", "1") == "0":
            return
        import hashlib

        h = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode())
        h.update(PROGRAM.read_bytes())
        h.update(os.path.realpath(python).encode())
        venv = Path(python).parent.parent
        for sp in sorted(venv.glob("lib/python*/site-packages")) + [Path(os.path.realpath(python))]:
            try:
                h.update(f"{sp}:{os.stat(sp).st_mtime_ns}".encode())
            except OSError:
                return  # no such interpreter: no cache (the engine says so, or auto keeps the face's refusal)
        h.update(json.dumps(sorted((k, v) for k, v in os.environ.items() if k.startswith("FLYTE"))).encode())
        base = Path(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")) / "autoc" / "engine"
        for d, dirs, files in os.walk(root):
            dirs[:] = sorted(x for x in dirs if x not in (".git", "__pycache__")
                             and os.path.join(d, x) != str(base.parent.parent))  # (a cache inside the tree)
            for fn in sorted(files):
                if fn.endswith((".pb", ".tgz", ".tar.gz", ".pyc")):  # what serialize/package write, and caches
                    continue
                try:
                    st = os.stat(os.path.join(d, fn))
                except OSError:
                    continue
                h.update(f"{os.path.relpath(os.path.join(d, fn), root)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        self.path = base / f"{h.hexdigest()}.json"

    def get(self) -> Optional[dict]:
        if self.path is None:
            return None
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None

    def put(self, answer: dict) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(answer))
            os.replace(tmp, self.path)
        except OSError:
            pass  # a cache that cannot be written is no cache
