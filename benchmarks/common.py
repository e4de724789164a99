"""Helpers the benchmark scripts share: a failure type and a timed child run that measures peak RSS."""

from __future__ import annotations

import compileall
import os
import pathlib
import subprocess
import tempfile
import time

GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


class Failed(Exception):
    pass


def compile_autoc() -> None:
    """Byte-compile autoc's sources, untimed. pip compiled flytekit's when it installed it (as it does for any
    wheel, autoc's included); the editable install of autoc under test has no .pyc files unless Python may write
    them, and these machines set PYTHONDONTWRITEBYTECODE, so every timed run would compile autoc again."""
    if not compileall.compile_dir(pathlib.Path(__file__).resolve().parent.parent / "autoc", quiet=1):
        raise Failed("could not byte-compile autoc's sources")


def run_once(cmd: list[str], cwd: pathlib.Path, env: dict) -> tuple[float, int]:
    """Run CMD to completion; return (wall seconds, peak RSS in KiB of that child)."""
    if GNU_TIME:
        with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
            t0 = time.perf_counter()
            p = subprocess.run([GNU_TIME, "-q", "-f", "%M", "-o", rss.name, *cmd], cwd=cwd, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            wall = time.perf_counter() - t0
            code, stderr, peak = p.returncode, p.stderr, int(rss.read().split()[-1])
    else:
        t0 = time.perf_counter()
        with subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as p:
            stderr = p.stderr.read()
            _, status, usage = os.wait4(p.pid, 0)  # reaps the child: its own rusage, not a running total
            wall = time.perf_counter() - t0
            p.returncode = code = os.waitstatus_to_exitcode(status)
        peak = usage.ru_maxrss  # KiB on Linux
    if code != 0:
        raise Failed(f"{' '.join(map(str, cmd))} exited {code}:\n{stderr.decode(errors='replace')[-3000:]}")
    return wall, peak
