"""Write a synthetic, deterministic repository of N Flyte container tasks (and workflows).

    python benchmarks/generate.py ROOT [--tasks 5000] [--package P] [--per-module 50] [--workflows]

creates ROOT/PACKAGE/__init__.py and ROOT/PACKAGE/mod_NNNN.py, 50 tasks per module; with --workflows each
module also gets one workflow whose 10 nodes call the module's first 10 tasks, each fed by outputs of earlier
ones. Every task uses ``from autoc import task, Resources`` so the same tree is serialized by autoc and (through
tests/oracle_shim) by pyflyte. The mix of task shapes cycles by index, so the output is identical on
every run.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import shutil

TASKS_PER_MODULE = 50

HEADER = '''\
"""Synthetic benchmark module {m}: {n} tasks."""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from autoc import Resources, task


@dataclass
class Record{m}:
    name: str
    weight: float
    tags: List[str] = field(default_factory=list)
    parent: Optional[int] = None

'''

# (signature, return annotation, body); {i} is the task's global index.
SHAPES = [
    ("a: int, b: int = {i}", "int", "return a + b"),
    ("name: str, times: int = 2", "str", "return name * times"),
    ("x: float, scale: float = 1.5", "float", "return x * scale"),
    ("xs: List[int]", "Tuple[int, float]", "return sum(xs), sum(xs) / max(len(xs), 1)"),
    ("weights: Dict[str, float], key: str", "float", "return weights.get(key, 0.0)"),
    ("maybe: Optional[int] = None, fallback: int = 0", "int", "return fallback if maybe is None else maybe"),
    ("rec: Record{m}, bump: float = 0.1", "Record{m}", "return Record{m}(rec.name, rec.weight + bump, rec.tags)"),
    ("rows: List[Dict[str, float]], limit: Optional[int] = None", "Tuple[List[float], int, str]",
     "vals = [sum(r.values()) for r in rows][:limit]\n    return vals, len(vals), 'ok'"),
    ("flag: bool, label: str = 'x'", "Dict[str, int]", "return {{label: int(flag)}}"),
    ("recs: List[Record{m}], threshold: float", "List[str]", "return [r.name for r in recs if r.weight > threshold]"),
]

# Decorator options, cycling with a period coprime to len(SHAPES) so shapes and options mix.
OPTIONS = [
    "",
    "retries=3",
    'requests=Resources(cpu="500m", mem="1Gi")',
    'requests=Resources(cpu="1", mem="2Gi"), limits=Resources(cpu="2", mem="4Gi")',
    'cache=True, cache_version="1.{i}"',
    'retries=2, cache=True, cache_version="v{m}"',
    'limits=Resources(mem="8Gi"), retries=1',
]


def docstring(i: int, params: list[str]) -> list[str]:
    """The docstring's lines (unindented); none for a quarter of the tasks."""
    if i % 4 == 3:
        return []
    lines = [f'"""Task number {i}: a synthetic benchmark task.', ""]
    if i % 2 == 0:
        lines += ["It has a longer description that spans", "two lines.", ""]
    lines += [f":param {p}: the {p} input of task {i}" for p in params]
    return lines + [":return: the result", '"""']


def task_source(i: int, m: int) -> str:
    sig, ret, body = (s.format(i=i, m=m) for s in SHAPES[i % len(SHAPES)])
    opts = OPTIONS[i % len(OPTIONS)].format(i=i, m=m)
    deco = f"@task({opts})" if opts else "@task"
    lines = docstring(i, re.findall(r"(\w+): ", sig)) + body.split("\n    ")
    body = "".join(f"    {line}\n" if line else "\n" for line in lines)
    return f"\n{deco}\ndef t{i:05d}({sig}) -> {ret}:\n{body}\n"


# How a workflow calls a task of each shape: (keyword arguments, outputs as (name, type) pairs). Arguments name
# the latest promise of a type ({int}, {str}, {float}, {bool}, {rec}) or are constants.
CALLS = [
    ("a={int}", [("", "int")]),
    ("name={str}, times={int}", [("", "str")]),
    ("x={float}", [("", "float")]),
    ("xs=[{int}, 3, {int}]", [(".o0", "int"), (".o1", "float")]),
    ('weights={{"a": {float}, "b": 1.0}}, key={str}', [("", "float")]),
    ("maybe={int}", [("", "int")]),
    ("rec={rec}", [("", "rec")]),
    ('rows=[{{"a": {float}, "b": 2.0}}], limit={int}', [(".o1", "int"), (".o2", "str")]),
    ("flag={bool}, label={str}", []),
    ("recs=[{rec}, {rec}], threshold={float}", []),
]
WORKFLOW_NODES = 10


def workflow_source(m: int, ids: range) -> str:
    """A workflow of WORKFLOW_NODES nodes calling the module's first tasks, each fed by earlier outputs."""
    latest = {"int": "a", "str": "name", "float": "x", "bool": "flag", "rec": f'Record{m}(name="seed", weight=1.0)'}
    lines = []
    for k, i in enumerate(list(ids)[:WORKFLOW_NODES]):
        args, outs = CALLS[i % len(CALLS)]
        lines.append(f"    v{k} = t{i:05d}({args.format(**latest)})")
        for suffix, kind in outs:
            latest[kind] = f"v{k}{suffix}"
    lines.append(f"    return {latest['int']}, {latest['str']}")
    head = (f"\n@workflow\ndef pipeline_{m:04d}(a: int, name: str, x: float = 0.5, flag: bool = True)"
            " -> Tuple[int, str]:")
    return head + f'\n    """Chain {WORKFLOW_NODES} tasks of module {m}."""\n' + "\n".join(lines) + "\n"


def generate(root: pathlib.Path, tasks: int = 5000, package: str = "bench_tasks",
             per_module: int = TASKS_PER_MODULE, workflows: bool = False) -> pathlib.Path:
    """(Re)create ROOT/PACKAGE with TASKS tasks, PER_MODULE per module (and with WORKFLOWS, one workflow per
    module calling WORKFLOW_NODES of its tasks); returns the package folder."""
    pkg = root / package
    if pkg.exists():
        shutil.rmtree(pkg)
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""Synthetic tasks for benchmarks/run.py."""\n')
    for m, start in enumerate(range(0, tasks, per_module)):
        ids = range(start, min(start + per_module, tasks))
        src = HEADER.format(m=m, n=len(ids)) + "".join(task_source(i, m) for i in ids)
        if workflows:
            src = src.replace("from autoc import Resources, task", "from autoc import Resources, task, workflow")
            src += workflow_source(m, ids)
        (pkg / f"mod_{m:04d}.py").write_text(src)
    return pkg


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=pathlib.Path, help="folder to write the package into")
    ap.add_argument("--tasks", type=int, default=5000)
    ap.add_argument("--package", default="bench_tasks")
    ap.add_argument("--per-module", type=int, default=TASKS_PER_MODULE, help="tasks per module")
    ap.add_argument("--workflows", action="store_true", help="one 10-node workflow per module")
    a = ap.parse_args()
    pkg = generate(a.root, a.tasks, a.package, a.per_module, a.workflows)
    print(f"wrote {a.tasks} tasks in {len(list(pkg.glob('mod_*.py')))} modules under {pkg}")


if __name__ == "__main__":
    main()
