"""The flytesnacks field test: every example module alone and every example project as a whole, serialized by
pyflyte and by ``autoc serialize --sdk flytekit``, their parsed messages compared.

    # a checkout of flyteorg/flytesnacks (never committed here); from the mirror's bare git dir:
    .venv/bin/python benchmarks/flytesnacks.py extract /work/.mirror/flyteorg+flytesnacks/repo /var/tmp/flytesnacks

    # (a) the face alone, without flytekit where autoc runs. pyflyte gets the examples' libraries but no plugins
    #     (what "modules pyflyte serializes without plugins" counts), autoc the same libraries and no flytekit:
    uv venv /var/tmp/flytesnacks-libs-env && uv pip install --python /var/tmp/flytesnacks-libs-env/bin/python \
        flytekit==1.16.31 -r benchmarks/flytesnacks-libraries.txt
    uv venv /var/tmp/flytesnacks-face-env && uv pip install --python /var/tmp/flytesnacks-face-env/bin/python \
        -e . -r benchmarks/flytesnacks-libraries.txt
    .venv/bin/python benchmarks/flytesnacks.py run /var/tmp/flytesnacks --pyflyte /var/tmp/flytesnacks-libs-env/bin/pyflyte \
        --autoc /var/tmp/flytesnacks-face-env/bin/autoc --results flytesnacks-a.txt
    #     another checkout's autoc in the same environment: --autoc "env PYTHONPATH=/work/main /var/tmp/...-env/bin/autoc"
    #     (quick look without building anything: the defaults, the oracle's pyflyte and this repo's .venv autoc)

    # (b) with flytekit, the libraries and the plugins (benchmarks/flytesnacks-requirements.txt) in the project's venv:
    uv venv /var/tmp/flytesnacks-env && uv pip install --python /var/tmp/flytesnacks-env/bin/python \
        -r benchmarks/flytesnacks-requirements.txt
    .venv/bin/python benchmarks/flytesnacks.py run /var/tmp/flytesnacks --pyflyte /var/tmp/flytesnacks-env/bin/pyflyte \
        --autoc /var/tmp/flytesnacks-face-env/bin/autoc --autoc-arg=--python=/var/tmp/flytesnacks-env/bin/python

Timing both tools fresh (the two times of each target taken one after the other, so under the same load): an empty
``--cache DIR`` (pyflyte runs again), ``-j 1``. Bytecode: by default the tools run as this environment has them;
where ``PYTHONDONTWRITEBYTECODE`` is set and the venvs were made by uv (which compiles nothing), every run of either
tool compiles every library it imports from source (flytekit, pandas, ..., autoc itself). ``--bytecode DIR`` runs
both as pip installs them (with bytecode): each tool's interpreter first compiles everything on its ``sys.path``
into DIR (``PYTHONPYCACHEPREFIX``; nothing is written into the venvs or checkouts), then every run reads it.

(``pip install uv`` first: uv resolves these lists in seconds; pip backtracks for a long time over boto3/aiobotocore.) Any other flag for
``autoc serialize`` goes through ``--autoc-arg=...`` (repeat it), e.g. ``--autoc-arg=--engine=flytekit``.

A module is ``examples/<project>/<project>/**/<name>.py``; it is serialized alone as flytesnacks' examples are read
(``pyflyte --pkgs <project>.<name> serialize``, from ``examples/<project>``), and each project as its CI does it
(``scripts/serialize-example.sh``: ``pyflyte --pkgs <project> package --image <img> --image mindmeld=...
--image borebuster=... --force``), against ``autoc serialize --sdk flytekit[==V] <path> -o/--archive`` with the
same images. Outcome of each target pyflyte serializes:

  equal    the same file names, every message equal (a node's upstream_node_ids compared as a set: pyflyte writes
           them in set order)
  refused  autoc stopped at a flytekit construct it does not implement (the construct is named)
  differ   both wrote files, and some name or message differs (the first difference is shown)
  fail     autoc failed for another reason (its first error line is shown)

Targets pyflyte itself cannot serialize (a library or plugin missing in its environment, a module that is not
importable) are counted apart, with pyflyte's reason. pyflyte's outputs are cached (``--cache``, by pyflyte's path
and the target's sources), so comparing two autoc branches runs pyflyte once. Exit status 0 unless the run itself
broke (a tool missing, a bad checkout); the counts are the result.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import difflib
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Dict, List, Optional, Tuple

REPO = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.golden import _KINDS  # noqa: E402  (the golden tests' rule: ``_1/_2/_3.pb`` -> message class)

ORACLE = pathlib.Path(os.environ.get("AUTOC_ORACLE_VENV", REPO / ".oracle-venv"))
#: flytesnacks' scripts/serialize-example.sh: the project's own image plus two named ones
EXTRA_IMAGES = ["mindmeld=ghcr.io/flyteorg/flytecookbook:core-latest", "borebuster=ghcr.io/flyteorg/flytekit:py3.9-latest"]
OUTCOMES = ("equal", "refused", "differ", "fail")
REFUSALS = (re.compile(r"^(?P<c>.+?): autoc does not implement this part of flytekit"),
            re.compile(r"^(?P<c>.+?) is not supported by autoc yet"))
TIMEOUT = 900


# ---------------------------------------------------------------------------------------------------- checkout


def extract(git_dir: pathlib.Path, dest: pathlib.Path, rev: str = "HEAD") -> None:
    """Write ``examples/`` of REV into DEST. Blobs the (partial) mirror lacks are skipped and listed: ``git archive``
    stops at the first of them."""
    git = ["git", f"--git-dir={git_dir}"]
    listing = subprocess.run([*git, "ls-tree", "-r", "-z", rev, "examples"], capture_output=True, check=True).stdout
    entries = [e.split(b"\t", 1) for e in listing.split(b"\0") if e]
    blobs = [(meta.split()[2].decode(), path.decode()) for meta, path in entries if meta.split()[1] == b"blob"]
    batch = subprocess.Popen([*git, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    missing = []
    for sha, path in blobs:
        batch.stdin.write(sha.encode() + b"\n")
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if header[1] == b"missing":
            missing.append(path)
            continue
        data = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    batch.stdin.close()
    batch.wait()
    commit = subprocess.run([*git, "rev-parse", rev], capture_output=True, text=True, check=True).stdout.strip()
    (dest / "FLYTESNACKS_COMMIT").write_text(commit + "\n")
    print(f"flytesnacks {commit[:12]}: {len(blobs) - len(missing)} files written to {dest}"
          + (f"; {len(missing)} missing in the mirror: {', '.join(missing)}" if missing else ""))


@dataclass
class Target:
    project: str
    module: Optional[str]  # dotted name; None: the project as a whole
    files: List[pathlib.Path] = field(default_factory=list)  # the sources it depends on (for the cache key)

    @property
    def name(self) -> str:
        return self.module or self.project


def targets(checkout: pathlib.Path, only: List[str]) -> Tuple[List[Target], List[Target]]:
    examples = checkout / "examples"
    if not examples.is_dir():
        sys.exit(f"{checkout} has no examples/ folder: give a flytesnacks checkout (see `extract`)")
    modules, projects = [], []
    for pdir in sorted(p for p in examples.iterdir() if (p / p.name).is_dir()):
        if only and pdir.name not in only:
            continue
        files = sorted(f for f in (pdir / pdir.name).rglob("*") if f.is_file())
        projects.append(Target(pdir.name, None, files))
        for f in sorted((pdir / pdir.name).rglob("*.py")):
            if f.name == "__init__.py":
                continue
            dotted = ".".join(f.relative_to(pdir).with_suffix("").parts)
            modules.append(Target(pdir.name, dotted, files))
    return modules, projects


# ---------------------------------------------------------------------------------------------------- the tools


@dataclass
class Run:
    ok: bool
    seconds: float
    files: Dict[str, bytes]
    error: str = ""
    engine: str = ""


#: ``--bytecode DIR``: both tools read (and write) their bytecode there
BYTECODE: Optional[pathlib.Path] = None


def tool_env() -> dict:
    # no Docker engine for pyflyte: it cannot tell whether an ImageSpec image exists, assumes it does, builds nothing
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLYTE_FORCE_PUSH_IMAGE_SPEC", "AUTOC_SDK")}
    env["DOCKER_HOST"] = "unix:///nonexistent/docker.sock"
    env.setdefault("WHYLOGS_NO_ANALYTICS", "True")  # whylogs (setup b) would try to send usage data at import
    if BYTECODE is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(BYTECODE)
    return env


def interpreter_of(command: List[str]) -> Tuple[str, dict]:
    """The Python a tool's console script runs in (its ``#!`` line) and the environment it gets (``env K=V``)."""
    exe = shutil.which(command[-1]) or command[-1]
    python = pathlib.Path(exe).read_text(errors="replace").splitlines()[0].lstrip("#!").strip()
    env = {**tool_env(), **dict(a.split("=", 1) for a in command if "=" in a and not a.startswith("-"))}
    return python, env


def compile_bytecode(command: List[str]) -> str:
    """Compile everything on the ``sys.path`` of the tool's interpreter into BYTECODE, as an install with bytecode
    has it; returns a one-line summary."""
    python, env = interpreter_of(command)
    paths = json.loads(subprocess.run([python, "-c", "import json, sys; print(json.dumps(sys.path[1:]))"], env=env,
                                      cwd=tempfile.gettempdir(), capture_output=True, text=True, check=True).stdout)
    paths = [p for p in paths if os.path.isdir(p)]
    t0 = time.perf_counter()
    subprocess.run([python, "-m", "compileall", "-q", "-j", "0", "-x", r"/\.[^/]*venv/", *paths], env=env, cwd=tempfile.gettempdir(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # (files that do not compile are skipped)
    return f"{python}: {len(paths)} sys.path entries compiled in {time.perf_counter() - t0:.0f} s"


def images(project: str) -> List[str]:
    out = ["--image", f"ghcr.io/flyteorg/flytecookbook:{project}-latest"]
    for i in EXTRA_IMAGES:
        out += ["--image", i]
    return out


def read_outputs(out: pathlib.Path, archive: Optional[pathlib.Path]) -> Dict[str, bytes]:
    if archive is not None:
        if not archive.is_file():
            return {}
        with tarfile.open(archive) as tar:
            return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    return {f.name: f.read_bytes() for f in sorted(out.glob("*.pb"))}


def last_error(stderr: str) -> str:
    """The line that says why a pyflyte run failed (its last exception or error line)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip() and not set(ln.strip()) <= set("─│╭╰╮╯ ")]
    for ln in reversed(lines):
        m = re.search(r"(\w+(Error|Exception|NotFound)\b.*)", ln)
        if m:
            return m.group(1)[:300]
    return (lines[-1] if lines else "no output")[:300]


def timed(cmd: List[str], cwd: pathlib.Path):
    """``cmd`` run in ``cwd`` with the tools' environment: (the finished process or None on a timeout, seconds)."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=cwd, env=tool_env(), capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, TIMEOUT
    return p, time.perf_counter() - t0


def run_pyflyte(pyflyte: str, t: Target, cwd: pathlib.Path, work: pathlib.Path) -> Run:
    out, archive = work / "out", None
    if t.module is None:
        archive = work / "flyte-package.tgz"
        cmd = [pyflyte, "--pkgs", t.project, "package", *images(t.project), "--output", str(archive), "--force"]
    else:
        cmd = [pyflyte, "--pkgs", t.module, "serialize", *images(t.project), "workflows", "-f", str(out)]
    out.mkdir(parents=True, exist_ok=True)
    p, seconds = timed(cmd, cwd)
    if p is None:
        return Run(False, TIMEOUT, {}, f"timed out after {TIMEOUT}s")
    files = read_outputs(out, archive)
    if p.returncode != 0 or not files:
        return Run(False, seconds, {}, last_error(p.stderr + p.stdout) if p.returncode else "wrote no files")
    return Run(True, seconds, files)


def run_autoc(autoc: List[str], sdk: str, extra: List[str], t: Target, cwd: pathlib.Path,
              work: pathlib.Path) -> Run:
    out, archive = work / "out", None
    path = t.project if t.module is None else str(pathlib.Path(*t.module.split("."))) + ".py"
    where = ["--archive", str(work / "autoc.tgz")] if t.module is None else ["-o", str(out)]
    if t.module is None:
        archive = work / "autoc.tgz"
    cmd = [*autoc, "serialize", "--sdk", sdk, path, *where, *images(t.project), "--output", "json", *extra]
    p, seconds = timed(cmd, cwd)
    if p is None:
        return Run(False, TIMEOUT, {}, f"timed out after {TIMEOUT}s")
    try:
        result = json.loads(p.stdout)
    except ValueError:
        return Run(False, seconds, {}, f"exit {p.returncode}, no JSON result: {last_error(p.stderr)}")
    engine = str(result.get("engine") or "")
    if not result.get("ok"):
        errors = result.get("errors") or [{"message": f"exit {p.returncode}"}]
        e = errors[0]
        text = (e.get("message") or "").strip()
        if e.get("where"):
            text += f"  [{os.path.relpath(e['where'], cwd.parent) if e['where'].startswith('/') else e['where']}]"
        return Run(False, seconds, {}, text, engine)
    return Run(True, seconds, read_outputs(out, archive), engine=engine)


# ---------------------------------------------------------------------------------------------------- comparing


def _sort_upstream(message) -> None:
    """Every Node anywhere in the message (workflow, subworkflows, branches, failure node): upstream ids sorted."""
    if message.DESCRIPTOR.full_name == "flyteidl.core.Node":
        ids = sorted(message.upstream_node_ids)
        del message.upstream_node_ids[:]
        message.upstream_node_ids.extend(ids)
    for fd, value in message.ListFields():
        if fd.message_type is None:
            continue
        if hasattr(value, "ListFields"):
            _sort_upstream(value)
        elif hasattr(value, "items"):  # a map
            for v in value.values():
                if hasattr(v, "ListFields"):
                    _sort_upstream(v)
        else:
            for v in value:
                _sort_upstream(v)


def load(name: str, data: bytes):
    m = _KINDS[name[-4]]()
    m.ParseFromString(data)
    _sort_upstream(m)
    return m


def compare(theirs: Dict[str, bytes], ours: Dict[str, bytes]) -> str:
    """'' when equal; else the first difference, short."""
    from google.protobuf import text_format

    if sorted(theirs) != sorted(ours):
        only_p = sorted(set(theirs) - set(ours))
        only_a = sorted(set(ours) - set(theirs))
        return f"files: only pyflyte {only_p[:4]}{'...' if len(only_p) > 4 else ''}; " \
               f"only autoc {only_a[:4]}{'...' if len(only_a) > 4 else ''}"
    bad = [n for n in sorted(theirs) if load(n, theirs[n]) != load(n, ours[n])]
    if not bad:
        return ""
    a = text_format.MessageToString(load(bad[0], theirs[bad[0]])).splitlines()
    b = text_format.MessageToString(load(bad[0], ours[bad[0]])).splitlines()
    lines = [ln for ln in difflib.unified_diff(a, b, "pyflyte", "autoc", lineterm="", n=1)
             if not ln.startswith(("---", "+++"))]
    return f"{len(bad)} of {len(theirs)} messages differ; first {bad[0]}: " + " | ".join(lines[:12])


# ---------------------------------------------------------------------------------------------------- one target


@dataclass
class Result:
    project: str
    target: str
    kind: str  # module | project
    outcome: str  # equal refused differ fail | pyflyte-fails
    reason: str = ""  # the construct, the error or the difference
    pyflyte_seconds: float = 0.0
    autoc_seconds: float = 0.0
    files: int = 0
    engine: str = ""
    bytecode: bool = field(default_factory=lambda: BYTECODE is not None)  # both tools ran with --bytecode


def construct_of(error: str) -> Optional[str]:
    for rx in REFUSALS:
        m = rx.match(error)
        if m:
            return m.group("c")
    return None


class Field:
    def __init__(self, args):
        self.checkout = pathlib.Path(args.checkout).resolve()
        self.pyflyte = str(pathlib.Path(args.pyflyte).absolute())
        self.autoc = args.autoc
        self.sdk = args.sdk or f"flytekit=={pyflyte_flytekit_version(self.pyflyte)}"
        self.extra = args.autoc_arg
        self.cache = pathlib.Path(args.cache).resolve()
        self.work = pathlib.Path(tempfile.mkdtemp(prefix="flytesnacks-field-"))

    def cached_pyflyte(self, t: Target, cwd: pathlib.Path) -> Run:
        h = hashlib.sha256(f"{self.pyflyte}\0{t.name}\0{' '.join(EXTRA_IMAGES)}".encode())
        for f in t.files:
            h.update(str(f.relative_to(self.checkout)).encode() + b"\0" + f.read_bytes())
        entry = self.cache / t.project / f"{t.name}-{h.hexdigest()[:16]}"
        if (entry / "run.json").is_file():
            meta = json.loads((entry / "run.json").read_text())
            files = {p.name: p.read_bytes() for p in sorted((entry / "files").glob("*"))}
            return Run(meta["ok"], meta["seconds"], files, meta["error"])
        work = pathlib.Path(tempfile.mkdtemp(dir=self.work))
        run = run_pyflyte(self.pyflyte, t, cwd, work)
        tmp = entry.with_name(entry.name + f".tmp{os.getpid()}")
        (tmp / "files").mkdir(parents=True, exist_ok=True)
        for name, data in run.files.items():
            (tmp / "files" / name).write_bytes(data)
        (tmp / "run.json").write_text(json.dumps({"ok": run.ok, "seconds": run.seconds, "error": run.error}))
        shutil.rmtree(entry, ignore_errors=True)
        tmp.rename(entry)
        shutil.rmtree(work, ignore_errors=True)
        return run

    def one(self, t: Target) -> Result:
        try:
            return self._one(t)
        except Exception as e:  # noqa: B902 - one broken target must not end the field test
            kind = "project" if t.module is None else "module"
            return Result(t.project, t.name, kind, "fail", f"the field test itself broke: {type(e).__name__}: {e}")

    def _one(self, t: Target) -> Result:
        cwd = self.checkout / "examples" / t.project
        kind = "project" if t.module is None else "module"
        theirs = self.cached_pyflyte(t, cwd)
        if not theirs.ok:
            return Result(t.project, t.name, kind, "pyflyte-fails", theirs.error, theirs.seconds)
        work = pathlib.Path(tempfile.mkdtemp(dir=self.work))
        try:
            ours = run_autoc(self.autoc, self.sdk, self.extra, t, cwd, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        r = Result(t.project, t.name, kind, "", "", theirs.seconds, ours.seconds, len(theirs.files), ours.engine)
        if not ours.ok:
            construct = construct_of(ours.error)
            r.outcome, r.reason = ("refused", construct) if construct else ("fail", ours.error)
            if construct and "[" in ours.error:
                r.reason += "  " + ours.error[ours.error.rindex("["):]
            return r
        difference = compare(theirs.files, ours.files)
        r.outcome, r.reason = ("differ", difference) if difference else ("equal", "")
        return r


def pyflyte_flytekit_version(pyflyte: str) -> str:
    """The flytekit version next to PYFLYTE (its venv's dist-info), read without importing flytekit."""
    venv = pathlib.Path(pyflyte).parent.parent
    for d in venv.glob("lib/python*/site-packages/flytekit-*.dist-info"):
        return d.name[len("flytekit-"):-len(".dist-info")]
    return "1.16.31"


# ---------------------------------------------------------------------------------------------------- report


def table(results: List[Result], kind: str) -> List[str]:
    mine = [r for r in results if r.kind == kind]
    serialized = [r for r in mine if r.outcome != "pyflyte-fails"]
    c = collections.Counter(r.outcome for r in serialized)
    lines = [f"{kind}s: {len(mine)} in flytesnacks, {len(serialized)} serialized by pyflyte "
             f"({len(mine) - len(serialized)} not: a missing library or plugin, or pyflyte's own error)",
             "  " + "  ".join(f"{o} {c[o]}" for o in OUTCOMES)]
    refused = collections.Counter((r.reason or "").split("  [")[0] for r in serialized if r.outcome == "refused")
    if refused:
        by_construct = collections.defaultdict(set)
        for r in serialized:
            if r.outcome == "refused":
                by_construct[r.reason.split("  [")[0]].add(r.project)
        lines.append(f"  refused by construct ({kind}s" + ("/projects" if kind == "module" else "") + "): " + ", ".join(
            f"{k} {n}" + (f"/{len(by_construct[k])}" if kind == "module" else "") for k, n in refused.most_common()))
    engines = collections.Counter(r.engine for r in serialized if r.engine and r.outcome != "fail")
    if engines:
        lines.append("  engine that served autoc's run: " + ", ".join(f"{k} {n}" for k, n in engines.most_common()))
    equal = [r for r in serialized if r.outcome == "equal"]
    if equal:
        p, a = sum(r.pyflyte_seconds for r in equal), sum(r.autoc_seconds for r in equal)
        lines.append(f"  time over the {len(equal)} equal {kind}s: pyflyte {p:.1f} s, autoc {a:.1f} s "
                     f"({p / a:.2f}x; one run each, the machine's load included)" if a else "")
    return lines


def per_project(results: List[Result]) -> List[str]:
    rows = collections.OrderedDict()
    for r in results:
        rows.setdefault(r.project, {"modules": collections.Counter(), "project": "-"})
        if r.kind == "module":
            rows[r.project]["modules"][r.outcome] += 1
        else:
            rows[r.project]["project"] = r.outcome
    w = max(len(p) for p in rows) if rows else 10
    head = f"{'project':<{w}}  {'as a whole':<13}  modules: " + " ".join(f"{o[:6]:>6}" for o in OUTCOMES) \
        + "  pyflyte-fails"
    out = [head, "-" * len(head)]
    for p, row in rows.items():
        m = row["modules"]
        out.append(f"{p:<{w}}  {row['project']:<13}           " + " ".join(f"{m[o]:>6}" for o in OUTCOMES)
                   + f"  {m['pyflyte-fails']:>13}")
    return out


def details(results: List[Result]) -> List[str]:
    out = []
    order = {o: i for i, o in enumerate(("differ", "fail", "refused", "equal", "pyflyte-fails"))}
    for r in sorted(results, key=lambda r: (r.kind, order[r.outcome], r.target)):
        reason = f"  {r.reason}" if r.reason else ""
        engine = f" [{r.engine}]" if r.engine else ""
        out.append(f"{r.kind:<7} {r.outcome:<13} {r.target}{engine}{reason}")
    return out


def autoc_origin(autoc: List[str]) -> str:
    """Where the autoc under test is imported from, and that checkout's commit (best effort)."""
    try:
        python, env = interpreter_of(autoc)
        where = subprocess.run([python, "-c", "import autoc, os; print(os.path.dirname(os.path.dirname("
                                "os.path.abspath(autoc.__file__))))"], capture_output=True, text=True, env=env,
                               cwd=tempfile.gettempdir(), timeout=60).stdout.strip()
        head = subprocess.run(["git", "-C", where, "log", "-1", "--format=%h %s"], capture_output=True, text=True,
                              timeout=60).stdout.strip()
        branch = subprocess.run(["git", "-C", where, "rev-parse", "--abbrev-ref", "HEAD"], capture_output=True,
                                text=True, timeout=60).stdout.strip()
        return f"{where} ({branch} at {head[:90]})" if head else where or "?"
    except (OSError, IndexError, subprocess.SubprocessError):
        return "?"


def bytecode_state() -> str:
    off = tool_env().get("PYTHONDONTWRITEBYTECODE")
    return "PYTHONDONTWRITEBYTECODE set: what has no bytecode beside it is compiled on every run" if off \
        else "as the environment has it (written beside the sources on first import)"


def report(results: List[Result], f: "Field", elapsed: float, total: int, load: str = "") -> str:
    commit = (f.checkout / "FLYTESNACKS_COMMIT")
    head = autoc_origin(f.autoc)
    lines = [f"flytesnacks field test ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {elapsed:.0f} s"
             + (f"; interrupted after {len(results)} of {total} targets" if len(results) < total else "") + ")",
             f"  flytesnacks {commit.read_text().strip()[:12] if commit.is_file() else '(commit unknown)'} at "
             f"{f.checkout}",
             f"  pyflyte: {f.pyflyte} (flytekit {pyflyte_flytekit_version(f.pyflyte)})",
             f"  autoc:   {' '.join(f.autoc)} serialize --sdk {f.sdk} {' '.join(f.extra)}",
             f"           autoc imported from {head}",
             f"  bytecode: {f'read from {BYTECODE} (--bytecode)' if BYTECODE else bytecode_state()}; work files in "
             f"{f.work.parent}" + (f"; load average {load}" if load else ""),
             ""]
    lines += table(results, "module") + [""]
    if any(r.kind == "project" for r in results):
        lines += table(results, "project") + [""]
    lines += per_project(results)
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="write a flytesnacks checkout from a (bare, partial) git dir")
    ex.add_argument("git_dir", type=pathlib.Path)
    ex.add_argument("dest", type=pathlib.Path)
    ex.add_argument("--rev", default="HEAD")
    rn = sub.add_parser("run", help="serialize and compare")
    rn.add_argument("checkout", help="flytesnacks checkout (with examples/)")
    rn.add_argument("--pyflyte", default=str(ORACLE / "bin" / "pyflyte"), help="default: the oracle venv's")
    rn.add_argument("--autoc", default=str(pathlib.Path(sys.executable).parent / "autoc"),
                    help="the autoc command (split on spaces); default: the one beside this Python")
    rn.add_argument("--sdk", help="--sdk value for autoc (default: flytekit==<pyflyte's flytekit version>)")
    rn.add_argument("--autoc-arg", action="append", default=[], metavar="ARG",
                    help="an extra argument for `autoc serialize` (repeat; e.g. --autoc-arg=--engine=flytekit)")
    rn.add_argument("--only", action="append", default=[], metavar="PROJECT", help="just these projects (repeat)")
    rn.add_argument("--modules-only", action="store_true", help="skip the projects as a whole")
    rn.add_argument("--projects-first", action="store_true",
                    help="the projects as a whole before the modules (a run that may not finish covers them first)")
    rn.add_argument("-j", "--jobs", type=int, default=2)
    rn.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "flytesnacks-pyflyte-cache"),
                    help="pyflyte's outputs, reused while pyflyte and the target's sources are the same")
    rn.add_argument("--results", type=pathlib.Path, help="also write the table and one line per target here")
    rn.add_argument("--json", type=pathlib.Path, help="one record per target, as JSON")
    rn.add_argument("--bytecode", type=pathlib.Path, metavar="DIR",
                    help="both tools with bytecode, compiled into DIR first (PYTHONPYCACHEPREFIX)")
    args = ap.parse_args(argv)
    if args.command == "extract":
        extract(args.git_dir, args.dest, args.rev)
        return 0
    args.autoc = args.autoc.split()
    for exe in (args.pyflyte, args.autoc[0]):
        if not shutil.which(exe):
            sys.exit(f"missing {exe}: run scripts/setup-dev (or pass --pyflyte/--autoc)")
    if args.bytecode:
        global BYTECODE
        BYTECODE = args.bytecode.resolve()
        for tool in ([args.pyflyte], args.autoc):
            print("bytecode: " + compile_bytecode(tool), file=sys.stderr, flush=True)
    f = Field(args)
    modules, projects = targets(f.checkout, args.only)
    todo = modules + ([] if args.modules_only else projects)
    if args.projects_first and not args.modules_only:
        todo = projects + modules
    t0 = time.perf_counter()
    load0 = os.getloadavg()
    results: List[Result] = []
    pool = concurrent.futures.ThreadPoolExecutor(max(1, args.jobs))
    try:
        for i, r in enumerate(pool.map(f.one, todo), 1):
            results.append(r)
            print(f"[{i}/{len(todo)}] {r.kind} {r.target}: {r.outcome}"
                  + (f" ({r.reason[:120]})" if r.reason and r.outcome != "pyflyte-fails" else ""),
                  file=sys.stderr, flush=True)
    except KeyboardInterrupt:  # report what is done; the running pyflyte/autoc children end with the signal
        print(f"interrupted: {len(results)} of {len(todo)} targets done", file=sys.stderr)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        shutil.rmtree(f.work, ignore_errors=True)
    load1 = os.getloadavg()
    text = report(results, f, time.perf_counter() - t0, len(todo),
                  f"{' '.join(f'{x:.2f}' for x in load0)} at the start, {' '.join(f'{x:.2f}' for x in load1)} at the end")
    print(text)
    if args.results:
        args.results.write_text(text + "\n\nper target (kind, outcome, target [engine], reason):\n"
                                + "\n".join(details(results)) + "\n")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
