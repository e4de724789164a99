"""Fault injection: seeded UNAVAILABLE failures (before or after the write), tasks that always fail, added latency
and a concurrency cap answered with RESOURCE_EXHAUSTED, as an overloaded gRPC server answers."""

from __future__ import annotations

import contextlib
import random
import threading
import time
from typing import Iterator


class Faults:
    def __init__(self, unavailable_fraction: float = 0.0, seed: int = 0, latency_ms: float = 0,
                 max_concurrency: int | None = None, lost_ack_fraction: float = 0.0,
                 unavailable_names: frozenset = frozenset()):
        if not 0.0 <= unavailable_fraction <= 1.0:
            raise ValueError(f"unavailable_fraction must be within [0, 1], got {unavailable_fraction}")
        if max_concurrency is not None and max_concurrency < 1:
            raise ValueError(f"max_concurrency must be at least 1, got {max_concurrency}")
        self.unavailable_fraction = unavailable_fraction
        self.latency_ms = latency_ms
        self.max_concurrency = max_concurrency
        self.lost_ack_fraction = lost_ack_fraction  # CreateTask calls that write, then answer UNAVAILABLE
        self.unavailable_names = frozenset(unavailable_names)  # tasks whose CreateTask always answers UNAVAILABLE
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

    def roll_lost_ack(self) -> bool:
        """True for the seeded ``lost_ack_fraction`` of successful writes: the answer is lost (UNAVAILABLE)."""
        if self.lost_ack_fraction <= 0:
            return False
        with self._lock:
            return self._random.random() < self.lost_ack_fraction

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
