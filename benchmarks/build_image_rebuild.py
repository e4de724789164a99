"""Time a cold `autoc build-image` against a rebuild after a source-only change (the layer cache at work).

    eval "$(bash scripts/services)"      # Docker engine, registry on $AUTOC_REGISTRY, $AUTOC_BASE_IMAGE
    .venv/bin/python benchmarks/build_image_rebuild.py [--repeat 3] [--json out.json] [--classic]

1. Writes one module (an ImageSpec with a name and an env value unique to this run, so no earlier build's layers
   match; one package; source copied with LOADED_MODULES) into a temp dir, with an empty wheelhouse cache
   (AUTOC_CACHE_DIR) of its own.
2. Cold: ``autoc build-image . --offline --output json`` (host wheelhouses, every layer after FROM, push).
3. REPEAT times: appends a comment to the module (a new source digest, so a new tag) and builds again.
4. Prints cold, the rebuilds' median and their ratio (target: rebuild <= 15% of cold), and each run's step lines.

``--classic`` also times one cold build with DOCKER_BUILDKIT=0 (the Docker SDK's classic builder, the path every
build took before). flytekit's ``pyflyte build`` cannot build here (its default builder's Dockerfile pulls uv and
micromamba images from the internet, and this machine's docker CLI has no buildx), so there is no flytekit column:
build_image.py compares the two tools where both can run (deciding that nothing has to be built).
Images built are removed from the engine at the end (vfs keeps a full copy of every layer), and the build cache
pruned. Exit status: 0 ok, 1 a build failed or a rebuild was not a rebuild, 3 --strict and the target missed.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import sys
import uuid

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import AUTOC, DOCKER, Failed, compile_autoc, in_root, require, run_captured  # noqa: E402

TARGET = 0.15
MODULE = '''\
import os
from typing import List

from autoc import CopyFileDetection, ImageSpec, task

image = ImageSpec(name="{name}", registry=os.environ["AUTOC_REGISTRY"], base_image=os.environ["AUTOC_BASE_IMAGE"],
                  packages=["pyyaml"], env={{"BENCH_RUN": "{run}"}},
                  source_root=os.path.dirname(os.path.abspath(__file__)),
                  source_copy_mode=CopyFileDetection.LOADED_MODULES)


@task(container_image=image)
def total(xs: List[float]) -> float:
    return sum(xs)
'''


def steps(stderr: str) -> list[str]:
    return [ln.strip() for ln in stderr.splitlines() if ln.startswith("  ") and not ln.startswith("   ")]


def build(root: pathlib.Path, env: dict) -> tuple[float, dict, list[str]]:
    wall, out, err = run_captured([AUTOC, "build-image", ".", "--offline", "--output", "json"], root, env)
    (image,) = json.loads(out)["images"]
    if image["status"] != "built":
        raise Failed(f"expected a build, got {image}")
    return wall, image, steps(err)


def bench(a, root: pathlib.Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FLYTE_FORCE_PUSH_IMAGE_SPEC")}
    env["AUTOC_CACHE_DIR"] = str(root / "cache")
    run = uuid.uuid4().hex[:8]
    module = root / "tasks.py"
    module.write_text(MODULE.format(name=f"autoc-bench-rebuild-{run}", run=run))
    refs, result = [], {"repeat": a.repeat, "cpus": os.cpu_count(), "load_before": os.getloadavg()}
    try:
        if a.classic:
            module.write_text(MODULE.format(name=f"autoc-bench-rebuild-{run}", run=run + "-classic"))
            wall, image, st = build(root, dict(env, DOCKER_BUILDKIT="0", AUTOC_CACHE_DIR=str(root / "cache-c")))
            refs.append(image["reference"])
            result["classic_cold"] = {"wall_s": wall, "steps": st}
            print(f"classic builder (Docker SDK), cold: {wall:.1f}s", flush=True)
            module.write_text(MODULE.format(name=f"autoc-bench-rebuild-{run}", run=run))
        wall, image, st = build(root, env)
        refs.append(image["reference"])
        result["cold"] = {"wall_s": wall, "steps": st}
        print(f"BuildKit, cold: {wall:.1f}s", *st, sep="\n  ", flush=True)
        walls = []
        for i in range(a.repeat):
            module.write_text(module.read_text() + f"# source-only change {i}\n")
            wall, image, st = build(root, env)
            refs.append(image["reference"])
            built = [s for s in st if s.startswith("[") and not s.startswith("[1/") and not s.endswith("cached")]
            if not all("COPY src/" in s for s in built):
                raise Failed(f"a source-only change rebuilt more than the source layer: {built}")
            walls.append(wall)
            result.setdefault("rebuild_steps", st)
            print(f"rebuild {i + 1}: {wall:.1f}s", *st, sep="\n  ", flush=True)
        result["rebuild"] = {"median_s": statistics.median(walls), "best_s": min(walls), "walls_s": walls}
        result["ratio_rebuild_over_cold"] = result["rebuild"]["median_s"] / result["cold"]["wall_s"]
        result["load_after"] = os.getloadavg()
    finally:
        for ref in refs:
            run_captured([DOCKER, "image", "rm", ref], root, env)
        run_captured([DOCKER, "builder", "prune", "-af"], root, env)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description="autoc build-image: cold build vs rebuild after a source change.")
    ap.add_argument("--repeat", type=int, default=3, help="rebuilds (median is reported)")
    ap.add_argument("--json", type=pathlib.Path, help="also write the results here")
    ap.add_argument("--classic", action="store_true", help="also time a cold build with the classic builder")
    ap.add_argument("--strict", action="store_true", help=f"exit 3 when a rebuild takes more than {TARGET:.0%}")
    a = ap.parse_args()
    compile_autoc()
    missing = [v for v in ("DOCKER_HOST", "AUTOC_REGISTRY", "AUTOC_BASE_IMAGE") if not os.environ.get(v)]
    if missing:
        sys.exit(f"{', '.join(missing)} not set: run  eval \"$(bash scripts/services)\"  first")
    require(AUTOC, DOCKER)
    r = in_root(lambda root: bench(a, root), "autoc-bench-rebuild-")
    print(f"\ncold {r['cold']['wall_s']:.1f}s, rebuild after a source-only change {r['rebuild']['median_s']:.1f}s "
          f"(median of {a.repeat}): {r['ratio_rebuild_over_cold']:.1%} of cold (target <= {TARGET:.0%})")
    if "classic_cold" in r:
        print(f"classic builder cold {r['classic_cold']['wall_s']:.1f}s: BuildKit is "
              f"{r['classic_cold']['wall_s'] / r['cold']['wall_s']:.2f}x faster")
    if a.json:
        a.json.write_text(json.dumps(r, indent=2) + "\n")
        print(f"wrote {a.json}")
    return 3 if a.strict and r["ratio_rebuild_over_cold"] > TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
