"""Run flytekit's own unit tests against autoc through the flytekit import face.

    .venv/bin/python tests/sdk_flytekit/flytekit_unit_tests.py FLYTEKIT_CHECKOUT [TEST_FILE ...] [-- PYTEST_ARGS]

FLYTEKIT_CHECKOUT is a clone of flyteorg/flytekit (its tests are not copied into this repository; fetching them
needs the network, so this is a script, not part of the suite; tests/sdk_flytekit/test_flytekit_api.py keeps what
they exercise in the suite). Default test files: the seed classes' (tests/flytekit/unit/core/
test_python_auto_container.py, test_resources.py, test_python_function_task.py, image_spec/test_image_spec.py) and
their neighbours (``DEFAULT``). The face runs leniently: a name autoc does not implement fails the test that uses
it, not the whole file. The environment needs flytekit's test dependencies that autoc's tests do not have
(``pip install joblib dataclasses_json==0.5.9 marshmallow_enum marshmallow_jsonschema orjson``). README.md
("flytekit's own unit tests through the face") lists the results per file and
why each failure fails.
"""

from __future__ import annotations

import sys
from pathlib import Path

CORE = "tests/flytekit/unit/core/"
#: the seed classes' tests, then their neighbours: the tests of the features autoc implements (workflows, launch
#: plans, schedules, notifications, interfaces, resolvers, caching, serialization)
DEFAULT = [CORE + f for f in (
    "test_python_auto_container.py", "test_resources.py", "test_python_function_task.py",
    "image_spec/test_image_spec.py", "image_spec/test_noop_builder.py", "test_task.py", "test_interface.py",
    "test_docstring.py", "test_resolver.py", "test_cache.py", "test_pod_template_hash.py", "test_workflows.py",
    "test_composition.py", "test_launch_plan.py", "test_schedule.py", "test_notifications.py",
    "test_serialization.py", "test_type_engine.py",
    "test_conditions.py", "test_node_creation.py", "test_container_task.py", "test_gate.py",
    "test_imperative.py")]
#: map tasks (both kinds), array nodes, dynamic and references
DEFAULT += [CORE + f for f in (
    "test_map_task.py", "test_array_node_map_task.py", "test_array_node.py", "test_dynamic.py", "test_references.py")]


class _Fixtures:
    """What flytekit's conftest files give these tests, without their extra dependencies (hypothesis): they are
    not loaded (--noconftest)."""

    import pytest

    @pytest.fixture()
    def mock_image_spec_builder(self):
        from flytekit.image_spec.image_spec import ImageSpecBuilder  # through the face, as flytekit's conftest

        class MockImageSpecBuilder(ImageSpecBuilder):
            def build_image(self, img):
                print("Building an image...")

        return MockImageSpecBuilder()

    @pytest.fixture()
    def exec_prefix(self):
        return ""

    counts: dict = {}

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or (report.outcome != "passed" and report.when == "setup"):
            per_file = self.counts.setdefault(report.nodeid.split("::")[0].rsplit("unit/core/", 1)[-1], {})
            per_file[report.outcome] = per_file.get(report.outcome, 0) + 1

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.section("per file")
        for f, c in self.counts.items():
            terminalreporter.write_line(f"{f}: " + ", ".join(f"{n} {k}" for k, n in sorted(c.items())))


def main(argv) -> int:
    import pytest

    from autoc.sdk.flytekit.imports import flytekit_imports

    args, extra = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    checkout = Path(args[0]).resolve()
    files = [str(checkout / f) for f in (args[1:] or DEFAULT)]
    sys.path.insert(0, str(checkout))  # `from tests.flytekit.unit.core import tasks`
    import types
    import unittest.mock

    backport = types.ModuleType("mock")  # flytekit's tests use the `mock` backport (`import mock`, `from mock import
    backport.__dict__.update(vars(unittest.mock), mock=unittest.mock)  # mock`)
    sys.modules.setdefault("mock", backport)
    with flytekit_imports("1.16.31", lenient=True):  # open for the whole session, conftest files included
        return pytest.main(["-q", "-rfE", "--tb=line", "-p", "no:cacheprovider", "--noconftest", "--rootdir",
                            str(checkout), "-o", "addopts=", "-o", "python_files=test_*.py", *files, *extra],
                           plugins=[_Fixtures()])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
