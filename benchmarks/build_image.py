"""Time `build-image` on an unchanged tree whose image is already pushed: autoc vs pyflyte, in one run.

    eval "$(bash scripts/services)"      # Docker engine, registry on $AUTOC_REGISTRY, $AUTOC_BASE_IMAGE
    .venv/bin/python benchmarks/build_image.py [--repeat 5] [--json out.json] [--no-fast]

What it measures is the time each tool needs to decide that nothing has to be built.

1. Writes one module (an ImageSpec with a name unique to this run, 4 tasks using it) into a temp dir.
2. autoc: ``autoc build-image . --offline --output json`` builds and pushes the image once (about a minute).
3. pyflyte: its default builder cannot build here (its Dockerfile pulls uv/micromamba from the internet), so
   the script asks flytekit for the reference ``pyflyte build`` would push (the real CLI code path, run
   in-process with ``ImageSpec.exist`` replaced by a stub that prints the name), and if the registry does not
   have it yet, tags $AUTOC_BASE_IMAGE with it and pushes it.
4. Times ``autoc build-image . --output json`` and ``pyflyte build --fast tasks.py add`` REPEAT times each,
   alternating, after one untimed warm-up run each; every run must say the image was skipped / found.

Wall-clock is time.perf_counter() around the child process (interpreter start-up and exit included).
Exit status: 0 ok, 1 a tool failed or did not skip.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import sys
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import (AUTOC, DOCKER, ORACLE_PYTHON, PYFLYTE, SHIM, Failed, compile_autoc, in_root,  # noqa: E402
                    require, run_captured)

TASK = "add"  # the task pyflyte is asked to build the image of (all tasks share the one image)

MODULE = '''\
import os
from typing import List

from autoc import ImageSpec, task

image = ImageSpec(name="{name}", registry=os.environ["AUTOC_REGISTRY"], base_image=os.environ["AUTOC_BASE_IMAGE"])


@task(container_image=image)
def add(a: int, b: int) -> int:
    return a + b


@task(container_image=image)
def greet(name: str) -> str:
    return f"hello {{name}}"


@task(container_image=image)
def total(xs: List[float]) -> float:
    return sum(xs)


@task(container_image=image)
def scale(x: float, k: float = 2.0) -> float:
    return x * k
'''

# Runs `pyflyte build` in-process with ImageSpec.exist stubbed: prints the reference flytekit would build and
# push (after its own source_root / copy handling), and never builds.
REFERENCE_PROBE = '''\
import sys
from flytekit.image_spec.image_spec import ImageSpec
from flytekit.clis.sdk_in_container.pyflyte import main

def exist(self):
    print("BENCH-REFERENCE", self.image_name(), flush=True)
    return True

ImageSpec.exist = exist
sys.argv = ["pyflyte", *sys.argv[1:]]
main()
'''


def autoc_statuses(stdout: str) -> list[str]:
    out = json.loads(stdout)
    if not out.get("ok"):
        raise Failed(f"autoc build-image: not ok: {stdout[-2000:]}")
    return [i["status"] for i in out["images"]]


def in_registry(ref: str) -> bool:
    """HEAD the manifest on the (plain-http, local) registry."""
    host, _, rest = ref.partition("/")
    repo, _, tag = rest.rpartition(":")
    req = urllib.request.Request(f"http://{host}/v2/{repo}/manifests/{tag}", method="HEAD", headers={
        "Accept": "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json"})
    try:
        with urllib.request.urlopen(req, timeout=10):
            return True
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return False
        raise


def median_row(walls: list[float]) -> dict:
    return {"median_s": statistics.median(walls), "best_s": min(walls), "walls_s": walls}


def bench(a, root: pathlib.Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLYTE_FORCE_PUSH_IMAGE_SPEC")}
    env_autoc, env_flyte = dict(env), dict(env, PYTHONPATH=str(SHIM))
    name = f"autoc-bench-build-{uuid.uuid4().hex[:8]}"
    (root / "tasks.py").write_text(MODULE.format(name=name))
    autoc_cmd = [AUTOC, "build-image", ".", "--output", "json"]
    flyte_args = ["build", *([] if a.no_fast else ["--fast"]), "tasks.py", TASK]
    print(f"project {root}/tasks.py, image name {name}; DOCKER_HOST={env.get('DOCKER_HOST')}", flush=True)

    # autoc: build and push once
    wall, out, _ = run_captured([AUTOC, "build-image", ".", "--offline", "--output", "json"], root, env_autoc)
    autoc_ref = json.loads(out)["images"][0]["reference"]
    print(f"autoc built and pushed {autoc_ref} in {wall:.1f}s: {autoc_statuses(out)}", flush=True)

    # pyflyte: the reference it would push; make it exist
    _, out, _ = run_captured([ORACLE_PYTHON, "-c", REFERENCE_PROBE, *flyte_args], root, env_flyte)
    refs = {line.split()[1] for line in out.splitlines() if line.startswith("BENCH-REFERENCE ")}
    if len(refs) != 1:
        raise Failed(f"expected one reference from pyflyte build, got {sorted(refs)}:\n{out[-2000:]}")
    flyte_ref = refs.pop()
    pushed_by_us = not in_registry(flyte_ref)
    if pushed_by_us:
        run_captured([DOCKER, "tag", env["AUTOC_BASE_IMAGE"], flyte_ref], root, env)
        run_captured([DOCKER, "push", flyte_ref], root, env)
        run_captured([DOCKER, "image", "rm", flyte_ref], root, env)  # the local tag only; the registry keeps it
    how = "tagged $AUTOC_BASE_IMAGE and pushed" if pushed_by_us else "already in the registry"
    print(f"pyflyte would push {flyte_ref} ({'same as' if flyte_ref == autoc_ref else 'differs from'} "
          f"autoc's; {how})", flush=True)

    def check_autoc(out: str, err: str) -> None:
        statuses = autoc_statuses(out)
        if not statuses or any(s != "skipped" for s in statuses):
            raise Failed(f"autoc build-image did not skip: {statuses}")

    def check_flyte(out: str, err: str) -> None:
        if f"Image {flyte_ref} found. Skip building." not in out + err:
            raise Failed(f"pyflyte build did not report 'Image {flyte_ref} found. Skip building.':\n"
                         f"{(out + err)[-2000:]}")

    tools = {"autoc": (autoc_cmd, env_autoc, check_autoc),
             "pyflyte": ([PYFLYTE, *flyte_args], env_flyte, check_flyte)}
    walls = {t: [] for t in tools}
    for k in range(a.repeat + 1):  # run 0 is an untimed warm-up (page cache, __pycache__)
        for tool, (cmd, tool_env, check) in tools.items():
            wall, out, err = run_captured(cmd, root, tool_env)
            check(out, err)
            if k:
                walls[tool].append(wall)
    try:  # autoc's build left a full copy in the local engine (vfs); the registry keeps the pushed image
        run_captured([DOCKER, "image", "rm", autoc_ref], root, env)
    except Failed as e:
        print(f"note: could not remove the local image: {e}", file=sys.stderr)

    r = {"repeat": a.repeat, "cpus": os.cpu_count(), "autoc_reference": autoc_ref, "pyflyte_reference": flyte_ref,
         "commands": {"autoc": "autoc build-image . --output json",
                      "pyflyte": "pyflyte " + " ".join(flyte_args)},
         "autoc": median_row(walls["autoc"]), "pyflyte": median_row(walls["pyflyte"])}
    r["ratio_pyflyte_over_autoc"] = r["pyflyte"]["median_s"] / r["autoc"]["median_s"]
    return r


def main() -> int:
    ap = argparse.ArgumentParser(description="autoc vs pyflyte: build-image when the image is already pushed.")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per tool (median is reported)")
    ap.add_argument("--json", type=pathlib.Path, help="also write the results here")
    ap.add_argument("--no-fast", action="store_true",
                    help="run `pyflyte build` without --fast (it then hashes the loaded source files into the tag)")
    a = ap.parse_args()
    compile_autoc()
    missing = [v for v in ("DOCKER_HOST", "AUTOC_REGISTRY", "AUTOC_BASE_IMAGE") if not os.environ.get(v)]
    if missing:
        sys.exit(f"{', '.join(missing)} not set: run  eval \"$(bash scripts/services)\"  first")
    require(AUTOC, PYFLYTE, DOCKER)
    r = in_root(lambda root: bench(a, root), "autoc-bench-build-")
    print(f"\n{'build-image, nothing to build':<32}{'autoc':>9}{'pyflyte':>9}{'ratio':>8}")
    print(f"{'median of ' + str(a.repeat) + ' runs (s)':<32}{r['autoc']['median_s']:>9.3f}"
          f"{r['pyflyte']['median_s']:>9.3f}{r['ratio_pyflyte_over_autoc']:>7.2f}x")
    print(f"{'best (s)':<32}{r['autoc']['best_s']:>9.3f}{r['pyflyte']['best_s']:>9.3f}")
    if a.json:
        a.json.write_text(json.dumps(r, indent=2) + "\n")
        print(f"wrote {a.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
