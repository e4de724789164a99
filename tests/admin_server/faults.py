"""Fault injection: seeded UNAVAILABLE failures (before the write, or after it: the answer is lost), tasks that always
fail, added latency and a concurrency cap answered with RESOURCE_EXHAUSTED, as an overloaded gRPC server answers."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from typing import Iterator


class Faults:
    def __init__(self, unavailable_fraction: float = 0.0, seed: int = 0, latency_ms: float = 0,
                 max_concurrency: int | None = None, lost_answer_fraction: float = 0.0,
                 unavailable_names: frozenset = frozenset()):
        for name, value in (("unavailable_fraction", unavailable_fraction),
                            ("lost_answer_fraction", lost_answer_fraction)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {value}")
        if max_concurrency is not None and max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        self.unavailable_fraction = unavailable_fraction
        self.lost_answer_fraction = lost_answer_fraction
        self.lost_answers = 0  # writes done whose answer was replaced by UNAVAILABLE
        self.latency_ms = latency_ms
        self.max_concurrency = max_concurrency
        self.unavailable_names = frozenset(unavailable_names)  # entities whose writes always answer UNAVAILABLE
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._in_flight = 0
        self.peak_concurrency = 0  # the most CreateTask calls admitted at once

    def delay(self) -> None:
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)

    def roll_unavailable(self) -> bool:
        """True for the seeded ``unavailable_fraction`` of calls (the sequence depends only on the seed)."""
        if self.unavailable_fraction <= 0:
            return False
        with self._lock:
            return self._random.random() < self.unavailable_fraction

    def roll_lost_answer(self) -> bool:
        """True for the seeded ``lost_answer_fraction`` of successful writes: the write is kept, the client is told
        UNAVAILABLE (a connection cut after the commit), so only an idempotent retry gets it right."""
        if self.lost_answer_fraction <= 0:
            return False
        with self._lock:
            lost = self._random.random() < self.lost_answer_fraction
            self.lost_answers += lost
            return lost

    @contextlib.contextmanager
    def slot(self) -> Iterator[bool]:
        """Yields whether the call is admitted under ``max_concurrency``; admitted calls hold a place until exit."""
        with self._lock:
            admitted = self.max_concurrency is None or self._in_flight < self.max_concurrency
            if admitted:
                self._in_flight += 1
                self.peak_concurrency = max(self.peak_concurrency, self._in_flight)
        try:
            yield admitted
        finally:
            if admitted:
                with self._lock:
                    self._in_flight -= 1
