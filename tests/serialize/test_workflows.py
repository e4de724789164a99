"""Workflows through ``autoc.serialize``: compile errors and type errors name the call's file:line and write
nothing; entities come in pyflyte's order with the right file names."""

from __future__ import annotations

import pytest

from autoc.errors import AutocError
from autoc.image.config import ImageConfig
from autoc.serialize import SerializationSettings, serialize
from tests.golden import load_dir

SETTINGS = SerializationSettings(image_config=ImageConfig.validate_image(None, "--image", ("ghcr.io/a/b:1",)))

HEAD = "import typing\nfrom autoc import task, workflow\n\n@task\ndef to_s(x: int) -> str:\n    return str(x)\n\n" \
       "@task\ndef double(x: int) -> int:\n    return 2 * x\n\n"


def _fails(unique_pkg, tmp_path, body: str) -> AutocError:
    pkg = unique_pkg({"m.py": HEAD + body})
    with pytest.raises(AutocError) as e:
        serialize([str(pkg)], SETTINGS, out_dir=str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()
    e.value.pkg = pkg
    return e.value


def test_str_output_into_int_input_is_refused_at_the_call(unique_pkg, tmp_path):
    e = _fails(unique_pkg, tmp_path, "@workflow\ndef wf(x: int) -> int:\n    s = to_s(x=x)\n"
                                     "    return double(x=s)\n")
    assert e.where == f"{e.pkg / 'm.py'}:15"
    assert "input 'x' of task" in e.message and "expects int" in e.message and "of type str" in e.message
    assert "flyteadmin" in e.hint


def test_wrong_workflow_output_type_names_the_workflow(unique_pkg, tmp_path):
    e = _fails(unique_pkg, tmp_path, "@workflow\ndef wf(x: int) -> int:\n    return to_s(x=x)\n")
    assert "output 'o0' of workflow" in e.message and e.where == f"{e.pkg / 'm.py'}:12"


def test_missing_required_input_and_unknown_keyword(unique_pkg, tmp_path):
    e = _fails(unique_pkg, tmp_path, "@workflow\ndef wf(x: int) -> int:\n    return double()\n")
    assert "required input 'x'" in e.message and e.where == f"{e.pkg / 'm.py'}:14"
    e = _fails(unique_pkg, tmp_path, "@workflow\ndef wf(x: int) -> int:\n    return double(x=x, y=1)\n")
    assert "has no input(s) named 'y'" in e.message and "x: int" in e.hint and e.where.endswith("m.py:14")


def test_constant_of_the_wrong_type(unique_pkg, tmp_path):
    e = _fails(unique_pkg, tmp_path, "@workflow\ndef wf() -> int:\n    return double(x='three')\n")
    assert "constant 'three' does not fit int" in e.message and e.where.endswith("m.py:14")


def test_body_that_computes_on_promises_is_explained(unique_pkg, tmp_path):
    e = _fails(unique_pkg, tmp_path, "@workflow\ndef wf(x: int) -> int:\n    y = double(x=x)\n"
                                     "    if y:\n        return y\n    return x\n")
    assert "not supported" in e.message and e.where.endswith("m.py:15")
    e = _fails(unique_pkg, tmp_path, "@workflow\ndef wf(x: int) -> int:\n    return double(x=x) + 1\n")
    assert "TypeError" in e.message and e.where.endswith("m.py:14") and "promises" in e.hint


def test_wrong_number_of_returned_values(unique_pkg, tmp_path):
    e = _fails(unique_pkg, tmp_path, "@workflow\ndef wf(x: int) -> typing.Tuple[int, int]:\n    return double(x=x)\n")
    assert "declares 2 outputs" in e.message and e.where.endswith("m.py:12")


def test_files_and_order_of_tasks_and_workflows(unique_pkg, tmp_path):
    pkg = unique_pkg({"m.py": HEAD + "@workflow\ndef wf(x: int) -> str:\n    return to_s(x=double(x=x))\n\n"
                                     "@workflow\ndef outer(x: int) -> str:\n    return wf(x=x)\n"})
    result = serialize([str(pkg)], SETTINGS, out_dir=str(tmp_path / "out"))
    assert result.ok
    names = [f.file.split("_", 1)[1] for f in result.files]
    assert [n.replace(pkg.name + ".", "") for n in names if not n.endswith("_3.pb")] == [
        "m.to_s_1.pb", "m.double_1.pb", "m.wf_2.pb", "m.outer_2.pb"]
    specs = load_dir(tmp_path / "out")
    outer = next(v for k, v in specs.items() if k.endswith("m.outer_2.pb"))
    assert [t.id.name for t in outer.sub_workflows] == [f"{pkg.name}.m.wf"]
    assert outer.template.nodes[0].workflow_node.sub_workflow_ref.name == f"{pkg.name}.m.wf"


def test_an_array_node_over_a_task_is_refused_with_file_line_and_exit_1(unique_pkg, tmp_path):
    """array_node maps launch plans and reference tasks (flytekit raises a ValueError for a task too)."""
    from tests.conftest import serialize_refused

    pkg = unique_pkg({"m.py": HEAD + "@workflow\ndef wf(x: int) -> int:\n    return array_node(double)\n"
                                     "from autoc import array_node\n"})
    err = serialize_refused(pkg, tmp_path)
    assert "m.py:14:\nerror: array_node: Only LaunchPlans and ReferenceTasks are supported" in err, err


def test_launch_plan_node_refuses_a_value_for_a_fixed_input(unique_pkg, tmp_path):
    e = _fails(unique_pkg, tmp_path, "@workflow\ndef inner(x: int) -> int:\n    return double(x=x)\n\n"
                                     "from autoc import LaunchPlan\n"
                                     "lp = LaunchPlan.get_or_create(inner, name='m_fixed', fixed_inputs={'x': 1})\n\n"
                                     "@workflow\ndef outer(x: int) -> int:\n    return lp(x=x)\n")
    assert "fixed" in e.message and e.where.endswith("m.py:21")


def test_keep_going_reports_every_broken_workflow_and_writes_nothing(unique_pkg, tmp_path):
    from tests.conftest import run_autoc

    pkg = unique_pkg({"a.py": HEAD + "@workflow\ndef wf(x: int) -> int:\n    return double(x=to_s(x=x))\n",
                      "b.py": HEAD + "@workflow\ndef wf(x: int) -> int:\n    return double(y=x)\n",
                      "c.py": HEAD + "@workflow\ndef fine(x: int) -> int:\n    return double(x=x)\n"})
    p = run_autoc("serialize", pkg, "-o", tmp_path / "out", "-i", "a:1", "--keep-going", "--output", "json",
                  check=False)
    import json

    out = json.loads(p.stdout)
    assert p.returncode == 1 and not out["ok"] and not (tmp_path / "out").exists()
    where = sorted(e["where"].rsplit("/", 1)[1] for e in out["errors"])
    assert where == ["a.py:14", "b.py:14"]


def test_workflow_input_of_an_unsupported_type_names_the_workflow(unique_pkg, tmp_path):
    e = _fails(unique_pkg, tmp_path, "T = typing.TypeVar('T')\n\n@workflow\ndef wf(x: T) -> int:\n"
                                     "    return double(x=1)\n")
    assert e.message.startswith("workflow ") and "variable 'x'" in e.message


def test_a_broken_workflow_in_an_imported_module_is_reported_once_and_dropped(unique_pkg, tmp_path):
    from autoc.serialize.discover import discover

    pkg = unique_pkg({"a.py": "from . import b\n",
                      "b.py": HEAD + "@workflow\ndef bad(x: int) -> int:\n    return double()\n\n"
                                     "@workflow\ndef good(x: int) -> int:\n    return double(x=x)\n\n"
                                     "from autoc import LaunchPlan\nlp = LaunchPlan.get_or_create(bad, name='b_bad')\n"})
    found = discover([str(pkg)], keep_going=True)
    assert [(f.module.rsplit(".", 1)[1], f.error.where.rsplit("/", 1)[1]) for f in found.failures] == [("b", "b.py:14")]
    assert [e.name.rsplit(".", 1)[1] for e in found.entities if not hasattr(e, "task_function")] == ["good"]
