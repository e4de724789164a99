"""autoc.core.tracker and autoc.serialize.discover, on real module files written into tmp_path.

Imported modules stay in sys.modules, so every test uses its own top-level package name.
"""

import pkgutil
import sys
import textwrap
import uuid
from pathlib import Path

import pytest

from autoc.core.tracker import (TrackedInstance, check_importable_module, extract_task_module, find_variable,
                                nesting_problem)
from autoc.errors import DiscoveryError, TaskDefinitionError, UserInputError
from autoc.serialize.discover import discover, find_source_root, list_modules, module_name


@pytest.fixture(autouse=True)
def _restore_sys_path(monkeypatch):
    monkeypatch.setattr(sys, "path", list(sys.path))


def unique(prefix="pkg") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def write(root: Path, files: dict) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))


TASK = """\
from autoc import task

@task
def {name}(x: int) -> int:
    return x
"""


# --- source root and module names ------------------------------------------------------------------------------

def test_find_source_root_is_first_directory_without_init(tmp_path):
    pkg = unique()
    write(tmp_path, {f"src/{pkg}/__init__.py": "", f"src/{pkg}/sub/__init__.py": "", f"src/{pkg}/sub/m.py": ""})
    src = tmp_path / "src"
    assert find_source_root(src / pkg / "sub" / "m.py") == src
    assert find_source_root(src / pkg / "sub") == src
    assert find_source_root(src) == src


def test_module_name(tmp_path):
    pkg = unique()
    write(tmp_path, {f"{pkg}/__init__.py": "", f"{pkg}/sub/__init__.py": "", f"{pkg}/sub/m.py": ""})
    assert module_name(tmp_path / pkg / "sub" / "m.py", tmp_path) == f"{pkg}.sub.m"
    assert module_name(tmp_path / pkg / "sub" / "__init__.py", tmp_path) == f"{pkg}.sub"


def test_module_name_rejects_non_identifiers(tmp_path):
    write(tmp_path, {"my-file.py": ""})
    with pytest.raises(UserInputError, match="cannot be imported as a module"):
        module_name(tmp_path / "my-file.py", tmp_path)


# --- list_modules ----------------------------------------------------------------------------------------------

def layout(pkg: str) -> dict:
    return {
        f"{pkg}/__init__.py": "",
        f"{pkg}/b.py": "",
        f"{pkg}/a.py": "",
        f"{pkg}/a_sub/__init__.py": "",
        f"{pkg}/a_sub/z.py": "",
        f"{pkg}/a_sub/deeper/__init__.py": "",
        f"{pkg}/a_sub/deeper/d.py": "",
        f"{pkg}/c.py": "",
        f"{pkg}/nopkg/ignored.py": "",
        f"{pkg}/data.txt": "",
    }


def test_list_modules_order(tmp_path):
    pkg = unique()
    write(tmp_path, layout(pkg))
    root, mods = list_modules([str(tmp_path / pkg)])
    assert root == tmp_path.resolve()
    assert mods == [pkg] + [f"{pkg}.{m}" for m in
                            ["a", "a_sub", "a_sub.deeper", "a_sub.deeper.d", "a_sub.z", "b", "c"]]


def test_list_modules_matches_pkgutil_walk_packages(tmp_path):
    pkg = unique()
    write(tmp_path, layout(pkg))
    sys.path.insert(0, str(tmp_path))  # walk_packages imports subpackages to walk them
    walked = [m.name for m in pkgutil.walk_packages([str(tmp_path / pkg)], prefix=pkg + ".")]
    _, mods = list_modules([str(tmp_path / pkg)])
    assert mods == [pkg] + walked


def test_list_modules_for_source_root_directory_and_files(tmp_path):
    pkg = unique()
    write(tmp_path, {f"{pkg}/__init__.py": "", f"{pkg}/m.py": "", "top.py": "", "other/x.py": ""})
    _, mods = list_modules([str(tmp_path)])
    assert mods == [pkg, f"{pkg}.m", "top"]  # other/ has no __init__.py
    _, mods = list_modules([str(tmp_path / pkg / "m.py"), str(tmp_path / "top.py"), str(tmp_path / pkg / "m.py")])
    assert mods == [f"{pkg}.m", "top"]


def test_list_modules_errors(tmp_path):
    write(tmp_path, {"a/x.py": "", "b/y.py": "", "notes.txt": ""})
    with pytest.raises(UserInputError, match="no such file"):
        list_modules([str(tmp_path / "missing.py")])
    with pytest.raises(UserInputError, match="not a Python file"):
        list_modules([str(tmp_path / "notes.txt")])
    with pytest.raises(UserInputError, match="different source roots"):
        list_modules([str(tmp_path / "a" / "x.py"), str(tmp_path / "b" / "y.py")])
    _, mods = list_modules([str(tmp_path / "a" / "x.py"), str(tmp_path / "b" / "y.py")],
                           source_root=str(tmp_path))
    assert mods == ["a.x", "b.y"]


# --- discover --------------------------------------------------------------------------------------------------

def test_discover_returns_tasks_in_import_order(tmp_path):
    pkg = unique()
    write(tmp_path, {
        f"{pkg}/__init__.py": "",
        f"{pkg}/b.py": TASK.format(name="second") + TASK.format(name="third"),
        f"{pkg}/a.py": TASK.format(name="first"),
        f"{pkg}/sub/__init__.py": "",
        f"{pkg}/sub/c.py": TASK.format(name="fourth"),
    })
    found = discover([str(tmp_path / pkg)])
    assert found.source_root == tmp_path.resolve()
    assert found.failures == []
    assert [t.name for t in found.tasks] == [f"{pkg}.a.first", f"{pkg}.b.second", f"{pkg}.b.third",
                                            f"{pkg}.sub.c.fourth"]
    assert found.modules == [pkg, f"{pkg}.a", f"{pkg}.b", f"{pkg}.sub", f"{pkg}.sub.c"]


def test_discover_again_returns_already_imported_tasks(tmp_path):
    pkg = unique()
    write(tmp_path, {f"{pkg}/__init__.py": "", f"{pkg}/a.py": TASK.format(name="t")})
    first = discover([str(tmp_path / pkg)])
    second = discover([str(tmp_path / pkg)])
    assert [t.name for t in second.tasks] == [t.name for t in first.tasks] == [f"{pkg}.a.t"]


def test_import_error_reports_file_and_line(tmp_path):
    pkg = unique()
    write(tmp_path, {f"{pkg}/__init__.py": "", f"{pkg}/bad.py": "x = 1\n\nraise ValueError('nope')\n"})
    with pytest.raises(DiscoveryError) as ei:
        discover([str(tmp_path / pkg)])
    bad = (tmp_path / pkg / "bad.py").resolve()
    assert ei.value.where == f"{bad}:3"
    assert f"module {pkg}.bad failed to import: ValueError: nope" in ei.value.message


def test_error_in_a_helper_points_at_the_innermost_user_line(tmp_path):
    pkg = unique()
    write(tmp_path, {f"{pkg}/__init__.py": "",
                     f"{pkg}/helper.py": "def boom():\n    raise KeyError('k')\n",
                     f"{pkg}/main.py": f"from {pkg}.helper import boom\nboom()\n"})
    with pytest.raises(DiscoveryError) as ei:
        discover([str(tmp_path / pkg / "main.py")])
    assert ei.value.where == f"{(tmp_path / pkg / 'helper.py').resolve()}:2"


def test_syntax_error_reports_its_line(tmp_path):
    pkg = unique()
    write(tmp_path, {f"{pkg}/__init__.py": "", f"{pkg}/syn.py": "a = 1\nb = (\n"})
    with pytest.raises(DiscoveryError) as ei:
        discover([str(tmp_path / pkg)])
    assert ei.value.where.startswith(f"{(tmp_path / pkg / 'syn.py').resolve()}:")


def test_keep_going_collects_every_failing_module(tmp_path):
    pkg = unique()
    write(tmp_path, {
        f"{pkg}/__init__.py": "",
        f"{pkg}/a_bad.py": "raise ValueError('a')\n",
        f"{pkg}/b_good.py": TASK.format(name="ok"),
        f"{pkg}/c_bad.py": "import does_not_exist_autoc_test\n",
    })
    found = discover([str(tmp_path / pkg)], keep_going=True)
    assert [f.module for f in found.failures] == [f"{pkg}.a_bad", f"{pkg}.c_bad"]
    assert all(isinstance(f.error, DiscoveryError) for f in found.failures)
    assert "ModuleNotFoundError" in found.failures[1].error.message
    assert [t.name for t in found.tasks] == [f"{pkg}.b_good.ok"]


HALF = TASK.format(name="early") + "\nraise ValueError('late')\n"


def test_keep_going_drops_tasks_of_modules_that_failed(tmp_path):
    pkg = unique()
    write(tmp_path, {f"{pkg}/__init__.py": "", f"{pkg}/half.py": HALF, f"{pkg}/ok.py": TASK.format(name="ok")})
    found = discover([str(tmp_path / pkg)], keep_going=True)
    assert [f.module for f in found.failures] == [f"{pkg}.half"]
    assert [t.name for t in found.tasks] == [f"{pkg}.ok.ok"]


def test_discover_after_fixing_a_failed_module_returns_each_task_once(tmp_path):
    pkg = unique()
    write(tmp_path, {f"{pkg}/__init__.py": "", f"{pkg}/half.py": HALF})
    with pytest.raises(DiscoveryError):
        discover([str(tmp_path / pkg)])
    write(tmp_path, {f"{pkg}/half.py": TASK.format(name="early")})
    found = discover([str(tmp_path / pkg)])
    assert [t.name for t in found.tasks] == [f"{pkg}.half.early"]


def test_module_shadowing_an_installed_module_is_reported(tmp_path):
    write(tmp_path, {"json.py": "X = 1\n"})
    with pytest.raises(DiscoveryError) as ei:
        discover([str(tmp_path / "json.py")])
    assert "module name json is taken by" in ei.value.message
    assert "shadow" in ei.value.hint


def test_autoc_errors_at_import_keep_their_type_and_get_a_location(tmp_path):
    pkg = unique()
    write(tmp_path, {f"{pkg}/__init__.py": "",
                     f"{pkg}/t.py": "from autoc import task\n\n@task\ndef f(a) -> int:\n    return 1\n"})
    with pytest.raises(TaskDefinitionError) as ei:
        discover([str(tmp_path / pkg)])
    assert "parameter 'a'" in ei.value.message
    assert ei.value.where.startswith(str((tmp_path / pkg / "t.py").resolve()))


# --- tracker ---------------------------------------------------------------------------------------------------

def test_tracked_instance_records_module_variable_and_site(unique_pkg):
    root = unique_pkg({"objs.py": "from autoc.core.tracker import TrackedInstance\n\n"
                                  "first = TrackedInstance()\nalias = first\n"})
    pkg = root.name
    discover([str(root)])
    mod = sys.modules[f"{pkg}.objs"]
    obj = mod.first
    assert obj.instantiated_in == f"{pkg}.objs"
    assert obj.creation_site == f"{(root / 'objs.py').resolve()}:3"
    assert obj.lhs == "first"  # the first name bound, not the alphabetically first alias
    assert obj.location == f"{pkg}.objs.first"
    assert extract_task_module(obj)[:3] == (f"{pkg}.objs.first", f"{pkg}.objs", "first")


def test_tracked_instance_in_a_container_cannot_be_found(unique_pkg):
    root = unique_pkg({"objs.py": "from autoc.core.tracker import TrackedInstance\n\n"
                                  "items = [TrackedInstance()]\n"})
    discover([str(root)])
    obj = sys.modules[f"{root.name}.objs"].items[0]
    with pytest.raises(TaskDefinitionError) as ei:
        obj.find_lhs()
    assert "cannot find the variable" in ei.value.message
    assert ei.value.where == f"{(root / 'objs.py').resolve()}:3"


def test_check_importable_module():
    with pytest.raises(TaskDefinitionError, match="__main__"):
        check_importable_module("__main__", object(), "x.py:1")
    with pytest.raises(TaskDefinitionError, match="cannot tell which module"):
        check_importable_module(None, object(), "x.py:1")
    check_importable_module("pkg.mod", object(), "x.py:1")


def test_find_variable_and_nesting_problem():
    assert find_variable(__name__, test_check_importable_module) == "test_check_importable_module"
    assert find_variable(__name__, object()) is None

    def inner():
        pass

    assert "defined inside function test_find_variable_and_nesting_problem()" in nesting_problem(inner)
    assert nesting_problem(_Holder.method) == "defined inside class _Holder"
    assert nesting_problem(unique) is None


class _Holder:
    def method(self):
        pass


def test_tracked_instance_created_at_run_time_cannot_be_located():
    def make():
        return TrackedInstance()

    obj = make()  # no module is being imported: the object belongs to no module variable
    assert obj.instantiated_in != __name__
    with pytest.raises(TaskDefinitionError):
        obj.find_lhs()
