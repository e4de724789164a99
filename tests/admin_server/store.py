"""sqlite storage for registered tasks, keyed like flyteadmin's ``tasks`` table by (project, domain, name, version)."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import NamedTuple

SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    project    TEXT NOT NULL,
    domain     TEXT NOT NULL,
    name       TEXT NOT NULL,
    version    TEXT NOT NULL,
    spec       BLOB NOT NULL,  -- admin.TaskSpec, serialized, with template.id set to the request id
    digest     TEXT NOT NULL,  -- sha256 of the deterministic serialization of the template alone
    created_at REAL NOT NULL,
    PRIMARY KEY (project, domain, name, version)
)
"""


class TaskKey(NamedTuple):
    project: str
    domain: str
    name: str
    version: str


@dataclass(frozen=True)
class StoredTask:
    key: TaskKey
    spec: bytes
    digest: str
    created_at: float


class TaskStore:
    """One connection shared by the server's worker threads, serialised by a lock.

    Every write is a single transaction, so a failing or rejected call never leaves half a task behind.
    ``db_path=None`` keeps everything in memory.
    """

    def __init__(self, db_path: str | None = None):
        self._lock = threading.Lock()
        self._db = sqlite3.connect(db_path or ":memory:", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL" if db_path else "PRAGMA journal_mode=MEMORY")
        # WAL with NORMAL sync cannot corrupt the db; only a power cut could lose the last commits. A test double
        # that fsyncs every insert would measure the disk, not the clients registering against it.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(SCHEMA)

    def create_if_absent(self, key: TaskKey, spec: bytes, digest: str) -> StoredTask | None:
        """Insert the task unless the key is taken; returns the task already stored under the key, if any.

        Check and insert happen under one lock and one transaction, so concurrent creates of one key are decided
        exactly once: the first stores, the others see it.
        """
        with self._lock:
            existing = self._get(key)
            if existing is not None:
                return existing
            with self._transaction():
                self._db.execute("INSERT INTO tasks VALUES (?, ?, ?, ?, ?, ?, ?)", (*key, spec, digest, time.time()))
            return None

    def get(self, key: TaskKey) -> StoredTask | None:
        with self._lock:
            return self._get(key)

    def list(self, project: str, domain: str, name: str | None = None,
             version: str | None = None) -> list[StoredTask]:
        query = "SELECT * FROM tasks WHERE project = ? AND domain = ?"
        args: list[str] = [project, domain]
        if name:
            query += " AND name = ?"
            args.append(name)
        if version:
            query += " AND version = ?"
            args.append(version)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY created_at DESC, name, version", args).fetchall()
        return [_row(r) for r in rows]

    def keys(self) -> list[TaskKey]:
        with self._lock:
            rows = self._db.execute("SELECT project, domain, name, version FROM tasks ORDER BY 1, 2, 3, 4").fetchall()
        return [TaskKey(*r) for r in rows]

    def _get(self, key: TaskKey) -> StoredTask | None:
        row = self._db.execute("SELECT * FROM tasks WHERE project = ? AND domain = ? AND name = ? AND version = ?",
                               tuple(key)).fetchone()
        return _row(row) if row else None

    @contextlib.contextmanager
    def _transaction(self):
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


def _row(row) -> StoredTask:
    return StoredTask(TaskKey(*row[:4]), bytes(row[4]), row[5], row[6])
