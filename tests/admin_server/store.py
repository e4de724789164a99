"""sqlite storage for registered tasks, workflows and launch plans, each kind in its own table keyed like flyteadmin's
(project, domain, name, version)."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from dataclasses import dataclass
from typing import NamedTuple

TASKS, WORKFLOWS, LAUNCH_PLANS = "tasks", "workflows", "launch_plans"
KINDS = (TASKS, WORKFLOWS, LAUNCH_PLANS)
INACTIVE, ACTIVE = 0, 1  # admin.LaunchPlanState

SCHEMA = """
CREATE TABLE IF NOT EXISTS {table} (
    project    TEXT NOT NULL,
    domain     TEXT NOT NULL,
    name       TEXT NOT NULL,
    version    TEXT NOT NULL,
    spec       BLOB NOT NULL,  -- what Get* answers from: TaskSpec, WorkflowClosure or LaunchPlan, with the request id
    digest     TEXT NOT NULL,  -- sha256 of what flyteadmin digests (template, compiled workflow, launch plan spec)
    created_at REAL NOT NULL,
    state      INTEGER NOT NULL DEFAULT 0,  -- launch plans only: INACTIVE or ACTIVE
    PRIMARY KEY (project, domain, name, version)
)
"""


class Key(NamedTuple):
    project: str
    domain: str
    name: str
    version: str


TaskKey = Key  # the name tests have always used


@dataclass(frozen=True)
class Stored:
    key: Key
    spec: bytes
    digest: str
    created_at: float
    state: int = INACTIVE



class EntityStore:
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
        for table in KINDS:
            self._db.execute(SCHEMA.format(table=table))

    def create_if_absent(self, key: Key, spec: bytes, digest: str, kind: str = TASKS) -> Stored | None:
        """Insert the entity unless the key is taken; returns the entity already stored under the key, if any.

        One statement (its own transaction) under one lock, so concurrent creates of one key are decided exactly
        once: the first stores, the others see it.
        """
        with self._lock:
            inserted = self._db.execute(f"INSERT INTO {_table(kind)} VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                                        "ON CONFLICT DO NOTHING", (*key, spec, digest, time.time(), INACTIVE))
            return None if inserted.rowcount == 1 else self._get(key, kind)

    def get(self, key: Key, kind: str = TASKS) -> Stored | None:
        with self._lock:
            return self._get(key, kind)

    def activate(self, key: Key, state: int) -> bool:
        """Set a launch plan's state; ACTIVE deactivates every other version of the same name (flyteadmin's
        ``enableLaunchPlanVersion``). False when there is no such launch plan."""
        with self._lock:
            if self._get(key, LAUNCH_PLANS) is None:
                return False
            with self._transaction():
                if state == ACTIVE:
                    self._db.execute("UPDATE launch_plans SET state = ? WHERE project = ? AND domain = ? AND name = ?",
                                     (INACTIVE, *key[:3]))
                self._db.execute("UPDATE launch_plans SET state = ? WHERE project = ? AND domain = ? AND name = ? "
                                 "AND version = ?", (state, *key))
            return True

    def list(self, project: str, domain: str, name: str | None = None,
             version: str | None = None, kind: str = TASKS, state: int | None = None) -> list[Stored]:
        query = f"SELECT * FROM {_table(kind)} WHERE project = ? AND domain = ?"
        args: list[str] = [project, domain]
        if name:
            query += " AND name = ?"
            args.append(name)
        if version:
            query += " AND version = ?"
            args.append(version)
        if state is not None:
            query += " AND state = ?"
            args.append(state)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY created_at DESC, name, version", args).fetchall()
        return [_row(r) for r in rows]

    def keys(self, kind: str = TASKS) -> list[Key]:
        with self._lock:
            rows = self._db.execute(f"SELECT project, domain, name, version FROM {_table(kind)} "
                                    "ORDER BY 1, 2, 3, 4").fetchall()
        return [Key(*r) for r in rows]

    def _get(self, key: Key, kind: str = TASKS) -> Stored | None:
        row = self._db.execute(f"SELECT * FROM {_table(kind)} WHERE project = ? AND domain = ? AND name = ? "
                               "AND version = ?", tuple(key)).fetchone()
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


def _table(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown entity kind {kind!r}")
    return kind


def _row(row) -> Stored:
    return Stored(Key(*row[:4]), bytes(row[4]), row[5], row[6], row[7])
