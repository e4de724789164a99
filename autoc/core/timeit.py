"""timeit: record named wall and process times, as a decorator or a context manager."""

from __future__ import annotations

import datetime
import functools
import logging
import time
from typing import Dict, List

logger = logging.getLogger("autoc")

TIMELINE: List[Dict] = []


class timeit:
    """``with timeit("Load task"): ...`` or ``@timeit("Load task")``; entries go to ``TIMELINE`` and the log."""

    def __init__(self, name: str = ""):
        self.name = name

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with timeit(self.name or func.__name__):
                return func(*args, **kwargs)

        return wrapper

    def __enter__(self):
        self._start = datetime.datetime.now(datetime.timezone.utc)
        self._wall = time.perf_counter()
        self._proc = time.process_time()
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self._wall
        TIMELINE.append({"Name": self.name, "Start": self._start,
                         "Finish": datetime.datetime.now(datetime.timezone.utc),
                         "WallTime": wall, "ProcessTime": time.process_time() - self._proc})
        logger.info(f"{self.name}. [Time: {wall:.6f}s]")
        return False
