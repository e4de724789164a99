"""An import the face does not answer, caught by the module itself: its outcome would differ from pyflyte's."""

from flytekit import task, workflow

try:
    from flytekit.remote import FlyteRemote  # noqa: F401 - the face does not answer flytekit.remote
    from flytekit.extras.sqlite3.task import SQLite3Config, SQLite3Task
    HAVE_SQLITE = True
except ImportError:
    HAVE_SQLITE = False


if HAVE_SQLITE:
    tables = SQLite3Task(name="eng.fallback.tables", query_template="select name from sqlite_master",
                         task_config=SQLite3Config(uri="https://example.com/chinook.zip", compressed=True))


@task
def count(n: int) -> int:
    return n
