"""``autoc execute`` as a real subprocess: outputs, every failure phase as error.pb, exit codes, files,
checkpoints, the fast-registration bundle and the notebook resolver."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from flyteidl.core import errors_pb2, execution_pb2, literals_pb2

from autoc.types import engine
from tests.conftest import REPO, run_autoc

RESOLVER = "autoc.resolvers.default_task_resolver"
CWD = REPO  # `tests.runtime.rtpkg.tasks` is importable from the repository root
MODULE = "tests.runtime.rtpkg.tasks"
RECOVERABLE = errors_pb2.ContainerError.RECOVERABLE
NON_RECOVERABLE = errors_pb2.ContainerError.NON_RECOVERABLE
USER, SYSTEM = execution_pb2.ExecutionError.USER, execution_pb2.ExecutionError.SYSTEM


def write_inputs(path: Path, values: dict, types: dict) -> Path:
    lm = literals_pb2.LiteralMap()
    for k, v in values.items():
        lm.literals[k].CopyFrom(engine.to_literal(v, types[k]))
    path.write_bytes(lm.SerializeToString())
    return path


def execute(tmp_path, task_name, inputs=None, *extra, env=None, loader=None, check=False, cwd=CWD):
    out = tmp_path / "out"
    args = ["execute", "--inputs", inputs or tmp_path / "inputs.pb", "--output-prefix", out,
            "--raw-output-data-prefix", tmp_path / "raw", "--checkpoint-path", "{{.checkpointOutputPrefix}}",
            "--prev-checkpoint", "{{.prevCheckpointPrefix}}", *extra, "--resolver", RESOLVER, "--",
            *(loader or ["task-module", MODULE, "task-name", task_name])]
    return run_autoc(*args, cwd=cwd, env=env, check=check), out


def outputs(out: Path) -> literals_pb2.LiteralMap:
    lm = literals_pb2.LiteralMap()
    lm.ParseFromString((out / "outputs.pb").read_bytes())
    return lm


def error(out: Path) -> errors_pb2.ContainerError:
    assert not (out / "outputs.pb").exists(), "no outputs may be written when the task failed"
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((out / "error.pb").read_bytes())
    assert doc.error.timestamp.seconds > 0
    return doc.error


def test_success_writes_outputs(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {"a": 5}, {"a": int})
    p, out = execute(tmp_path, "add")
    assert p.returncode == 0, p.stderr
    assert engine.to_python(outputs(out).literals["o0"], int) == 15  # b took its default
    assert not (out / "error.pb").exists()


def test_void_task_writes_an_empty_outputs_file(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {}, {})
    p, out = execute(tmp_path, "nothing")
    assert p.returncode == 0 and (out / "outputs.pb").read_bytes() == b""


def test_tuple_outputs(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {}, {})
    _, out = execute(tmp_path, "two_outputs")
    lm = outputs(out)
    assert (engine.to_python(lm.literals["o0"], int), engine.to_python(lm.literals["o1"], str)) == (1, "one")


def test_user_error(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {"x": 3}, {"x": int})
    p, out = execute(tmp_path, "boom")
    assert p.returncode == 0
    e = error(out)
    assert (e.code, e.kind, e.origin) == ("USER:RuntimeError", NON_RECOVERABLE, USER)
    assert "ValueError: bad value 3" in e.message
    assert "rtpkg/tasks.py" in e.message and "autoc/runtime" not in e.message


def test_recoverable_user_error(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {}, {})
    _, out = execute(tmp_path, "flaky")
    e = error(out)
    assert (e.code, e.kind, e.origin) == ("USER:Recoverable", RECOVERABLE, USER)


def test_ignore_outputs_succeeds_without_writing_outputs(tmp_path):
    """flytekit's IgnoreOutputs (a distributed job's non-reporting workers): exit 0, neither outputs.pb nor error.pb."""
    write_inputs(tmp_path / "inputs.pb", {"rank": 1}, {"rank": int})
    p, out = execute(tmp_path, "worker", None, "--fail-on-error")
    assert p.returncode == 0, p.stderr
    assert not (out / "outputs.pb").exists() and not (out / "error.pb").exists()
    assert "IgnoreOutputs (worker 1 does not report)" in p.stderr
    write_inputs(tmp_path / "inputs.pb", {"rank": 0}, {"rank": int})
    p, out = execute(tmp_path, "worker")
    assert engine.to_python(outputs(out).literals["o0"], int) == 42


def test_fail_on_error_flag_and_env(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {"x": 1}, {"x": int})
    p, out = execute(tmp_path, "boom", None, "--fail-on-error")
    assert p.returncode == 1 and (out / "error.pb").exists()
    p, _ = execute(tmp_path, "boom", env={"FLYTE_FAIL_ON_ERROR": "true"})
    assert p.returncode == 1


def test_output_conversion_error_writes_no_outputs(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {}, {})
    _, out = execute(tmp_path, "wrong_output")
    e = error(out)
    assert (e.code, e.kind, e.origin) == ("SYSTEM:OutputConversionError", NON_RECOVERABLE, SYSTEM)
    assert "expected a value of type int" in e.message


def test_input_conversion_error(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {"a": "five"}, {"a": str})
    _, out = execute(tmp_path, "add")
    e = error(out)
    assert (e.code, e.origin) == ("SYSTEM:InputConversionError", SYSTEM) and "input 'a'" in e.message
    write_inputs(tmp_path / "inputs.pb", {"c": 1}, {"c": int})
    _, out = execute(tmp_path, "add")
    message = error(out).message
    assert "has no input(s) named c" in message and "hint: the inputs are: a: int, b: int = 10" in message


def test_missing_inputs_is_recoverable(tmp_path):
    _, out = execute(tmp_path, "add", tmp_path / "nope.pb")
    e = error(out)
    assert (e.code, e.kind, e.origin) == ("SYSTEM:InputsNotFound", RECOVERABLE, SYSTEM)


def test_corrupt_inputs(tmp_path):
    (tmp_path / "inputs.pb").write_bytes(b"\xff\xff\xff not a proto")
    _, out = execute(tmp_path, "add")
    assert error(out).code == "SYSTEM:CorruptInputs"


def test_resolver_that_cannot_be_imported(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {}, {})
    p = run_autoc("execute", "--inputs", tmp_path / "inputs.pb", "--output-prefix", tmp_path / "out",
                  "--resolver", "no_such_module.resolver", "--", "task-module", MODULE, "task-name", "add",
                  cwd=CWD, check=False)
    assert p.returncode == 0
    e = error(tmp_path / "out")
    assert (e.code, e.origin) == ("SYSTEM:ResolverLoadError", SYSTEM) and "no_such_module" in e.message


def test_task_that_cannot_be_loaded(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {}, {})
    _, out = execute(tmp_path, "x", loader=["task-module", "tests.runtime.rtpkg.missing", "task-name", "x"])
    e = error(out)
    assert (e.code, e.origin) == ("USER:TaskLoadError", USER) and "ModuleNotFoundError" in e.message
    _, out = execute(tmp_path, "not_a_task")
    assert "has no task named 'not_a_task'" in error(out).message


def test_bad_arguments_still_write_an_error_document(tmp_path):
    p = run_autoc("execute", "--output-prefix", tmp_path / "out", "--bogus-flag", "1", cwd=CWD, check=False)
    assert p.returncode == 0
    e = error(tmp_path / "out")
    assert e.code == "SYSTEM:BadArguments" and "--bogus-flag" in e.message
    p = run_autoc("execute", "--output-prefix", tmp_path / "out2", "--resolver", RESOLVER, cwd=CWD, check=False)
    assert error(tmp_path / "out2").code == "SYSTEM:BadArguments"


def test_bad_arguments_error_document_names_the_worker_and_honours_the_distributed_strategy(tmp_path):
    run_autoc("execute", "--output-prefix", tmp_path / "out", "--bogus-flag", "1", cwd=CWD, check=False,
              env={"_F_WN": "worker-3", "_F_DES": "1"})
    (written,) = (tmp_path / "out").iterdir()
    assert written.name.startswith("error-") and written.suffix == ".pb"
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString(written.read_bytes())
    assert (doc.error.code, doc.error.worker) == ("SYSTEM:BadArguments", "worker-3")


def test_no_output_prefix_exits_nonzero(tmp_path):
    p = run_autoc("execute", "--inputs", "x.pb", cwd=CWD, check=False)
    assert p.returncode == 2 and "no error.pb could be written" in p.stderr


def test_upload_failure(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {"a": 1}, {"a": int})
    (tmp_path / "out" / "outputs.pb").mkdir(parents=True)  # outputs.pb cannot be written over a directory
    _, out = execute(tmp_path, "add")
    doc = errors_pb2.ErrorDocument()
    doc.ParseFromString((out / "error.pb").read_bytes())
    assert (doc.error.code, doc.error.kind) == ("SYSTEM:UploadError", RECOVERABLE)


def test_files_round_trip_through_the_raw_output_prefix(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {"text": "hello file"}, {"text": str})
    _, out = execute(tmp_path, "write_file")
    lit = outputs(out).literals["o0"]
    assert lit.scalar.blob.uri.startswith(str(tmp_path / "raw"))
    assert Path(lit.scalar.blob.uri).read_text() == "hello file"
    (tmp_path / "in2").mkdir()
    lm = literals_pb2.LiteralMap()
    lm.literals["f"].CopyFrom(lit)
    (tmp_path / "in2" / "inputs.pb").write_bytes(lm.SerializeToString())
    _, out2 = execute(tmp_path / "in2", "read_file", tmp_path / "in2" / "inputs.pb")
    assert engine.to_python(outputs(out2).literals["o0"], str) == "hello file"


def test_missing_raw_output_prefix_falls_back_to_a_local_folder(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {"text": "x"}, {"text": str})
    run_autoc("execute", "--inputs", tmp_path / "inputs.pb", "--output-prefix", tmp_path / "out",
              "--raw-output-data-prefix", "{{.rawOutputDataPrefix}}", "--resolver", RESOLVER, "--",
              "task-module", MODULE, "task-name", "write_file", cwd=CWD)
    assert Path(outputs(tmp_path / "out").literals["o0"].scalar.blob.uri).read_text() == "x"


def test_dataclass_in_and_out(tmp_path):
    from tests.types.cases import Color, Point, Shape

    s = Shape("sq", [Point(0.0, 0.0)], Color.GREEN)
    write_inputs(tmp_path / "inputs.pb", {"s": s}, {"s": Shape})
    _, out = execute(tmp_path, "reshape")
    assert engine.to_python(outputs(out).literals["o0"], Shape) == Shape("SQ", [Point(0.0, 0.0)], Color.GREEN)


def test_checkpoints_carry_over_between_attempts(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {"n": 2}, {"n": int})
    cp1, cp2 = tmp_path / "cp1", tmp_path / "cp2"
    _, out = execute(tmp_path, "checkpointed", None)
    message = error(out).message
    assert "Checkpointing is not available" in message and "no --checkpoint-path" in message
    args = ["execute", "--inputs", tmp_path / "inputs.pb", "--resolver", RESOLVER]
    run_autoc(*args, "--output-prefix", tmp_path / "o1", "--checkpoint-path", cp1, "--prev-checkpoint", '""',
              "--", "task-module", MODULE, "task-name", "checkpointed", cwd=CWD)
    run_autoc(*args, "--output-prefix", tmp_path / "o2", "--checkpoint-path", cp2, "--prev-checkpoint", cp1,
              "--", "task-module", MODULE, "task-name", "checkpointed", cwd=CWD)
    assert engine.to_python(outputs(tmp_path / "o1").literals["o0"], int) == 2
    assert engine.to_python(outputs(tmp_path / "o2").literals["o0"], int) == 4
    assert (cp2 / "_dst_cp").read_bytes() == b"4"


def test_context_comes_from_flyte_environment(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {}, {})
    env = {"FLYTE_INTERNAL_EXECUTION_PROJECT": "p", "FLYTE_INTERNAL_EXECUTION_DOMAIN": "d",
           "FLYTE_INTERNAL_EXECUTION_ID": "exec1", "_F_TK_NM": "tk"}
    _, out = execute(tmp_path, "whoami", env=env)
    assert engine.to_python(outputs(out).literals["o0"], str) == "p/d/exec1:tk"


def test_deck_is_written_when_enabled(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {}, {})
    _, out = execute(tmp_path, "decked")
    page = (out / "deck.html").read_text()
    assert "Execute user level code" in page and "Load task" in page


def _bundle(path: Path, members: dict) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_fast_registration_bundle_runs_in_process(tmp_path):
    bundle = _bundle(tmp_path / "fastabc.tar.gz", {
        "bundled_pkg/__init__.py": "",
        "bundled_pkg/jobs.py": "from autoc import task\n\n@task\ndef double(x: int) -> int:\n    return 2 * x\n"})
    write_inputs(tmp_path / "inputs.pb", {"x": 21}, {"x": int})
    work = tmp_path / "work"
    work.mkdir()
    p, out = execute(tmp_path, "", None, "--additional-distribution", bundle, "--dest-dir", tmp_path / "code",
                     loader=["task-module", "bundled_pkg.jobs", "task-name", "double"], cwd=work)
    assert p.returncode == 0, p.stderr
    assert engine.to_python(outputs(out).literals["o0"], int) == 42
    assert (tmp_path / "code" / "bundled_pkg" / "jobs.py").exists()


def test_bundle_with_path_traversal_is_refused(tmp_path):
    bundle = _bundle(tmp_path / "evil.tar.gz", {"../escaped.py": "x = 1\n"})
    write_inputs(tmp_path / "inputs.pb", {}, {})
    _, out = execute(tmp_path, "nothing", None, "--additional-distribution", bundle, "--dest-dir", tmp_path / "code")
    assert error(out).code == "SYSTEM:CodeBundleError"
    assert not (tmp_path / "escaped.py").exists()


def test_missing_bundle_is_recoverable(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {}, {})
    _, out = execute(tmp_path, "nothing", None, "--additional-distribution", tmp_path / "gone.tar.gz")
    e = error(out)
    assert (e.code, e.kind) == ("SYSTEM:CodeBundleNotFound", RECOVERABLE)


def test_notebook_resolver_loads_pickled_tasks(tmp_path):
    import subprocess
    import sys

    script = ("from autoc import task\nfrom autoc.resolvers import pickle_entities\n"
              "@task\ndef triple(x: int) -> int:\n    return 3 * x\n"
              "pickle_entities([triple])\n")
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, check=True)
    write_inputs(tmp_path / "inputs.pb", {"x": 5}, {"x": int})
    p = run_autoc("execute", "--inputs", tmp_path / "inputs.pb", "--output-prefix", tmp_path / "out",
                  "--resolver", "autoc.resolvers.default_notebook_task_resolver", "--",
                  "entity-name", "__main__.triple", cwd=tmp_path)
    assert engine.to_python(outputs(tmp_path / "out").literals["o0"], int) == 15, p.stderr


def test_notebook_pickle_from_another_python_is_refused(tmp_path):
    import gzip

    import cloudpickle

    from autoc.resolvers import PickledEntity, PickledEntityMetadata

    with gzip.open(tmp_path / "pkl.gz", "wb") as f:
        cloudpickle.dump(PickledEntity(PickledEntityMetadata("2.7.18"), {}), f)
    write_inputs(tmp_path / "inputs.pb", {}, {})
    run_autoc("execute", "--inputs", tmp_path / "inputs.pb", "--output-prefix", tmp_path / "out", "--resolver",
              "autoc.resolvers.default_notebook_task_resolver", "--", "entity-name", "t", cwd=tmp_path)
    assert "different from the current Python version" in error(tmp_path / "out").message


def test_local_call_goes_through_the_literal_round_trip():
    from tests.runtime.rtpkg import tasks

    assert tasks.add(a=1) == 11
    assert tasks.two_outputs() == (1, "one")
    result = tasks.stats(xs=[1.0, 3.0])
    assert type(result) is tasks.Stats and result == tasks.Stats(2.0, 2)
    with pytest.raises(ValueError, match="bad value 2"):
        tasks.boom(x=2)
    from autoc.errors import TypeEngineError

    with pytest.raises(TypeEngineError, match="input 'a'"):
        tasks.add(a="1")
    from autoc.errors import CallError

    with pytest.raises(CallError, match="has no input.*named 'c'") as info:
        tasks.add(a=1, c=2)
    assert info.value.hint == "task tests.runtime.rtpkg.tasks.add takes (a: int, b: int = 10)"
    with pytest.raises(TypeEngineError, match="expected a value of type int"):
        tasks.wrong_output()


def test_context_modes_inside_autoc_execute_are_task_execution(tmp_path):
    """Loading and running the task both see TASK_EXECUTION, as under pyflyte-execute; builders nest and pop."""
    write_inputs(tmp_path / "inputs.pb", {}, {})
    _, out = execute(tmp_path, "modes", loader=["task-module", "tests.runtime.rtpkg.ctxtasks", "task-name", "modes"])
    got = engine.to_python(outputs(out).literals["o0"], str)
    assert got == "TASK_EXECUTION TASK_EXECUTION LOCAL_WORKFLOW_EXECUTION True TASK_EXECUTION True"


def test_local_context_modes_match_flytekit(tmp_path):
    from tests.conftest import run_oracle
    from tests.runtime.rtpkg import ctxtasks

    mine = f"{ctxtasks.modes()} | {ctxtasks.modes_wf()}"
    source = Path(ctxtasks.__file__).read_text().replace(
        "from autoc import ExecutionState, FlyteContext, FlyteContextManager, task, workflow",
        "from flytekit import FlyteContext, FlyteContextManager, task, workflow\n"
        "from flytekit.core.context_manager import ExecutionState")
    (tmp_path / "ctxtasks.py").write_text(source)
    theirs = run_oracle("import ctxtasks; print(f'{ctxtasks.modes()} | {ctxtasks.modes_wf()}')", cwd=tmp_path)
    assert mine == theirs
    assert theirs == ("None LOCAL_TASK_EXECUTION LOCAL_WORKFLOW_EXECUTION True LOCAL_TASK_EXECUTION True | "
                      "None LOCAL_WORKFLOW_EXECUTION LOCAL_WORKFLOW_EXECUTION True LOCAL_WORKFLOW_EXECUTION True")


def test_tuple_expression_outputs_and_positional_calls_in_execute(tmp_path):
    write_inputs(tmp_path / "inputs.pb", {"a": 4}, {"a": int})
    _, out = execute(tmp_path, "pair", loader=["task-module", "tests.runtime.rtpkg.ctxtasks", "task-name", "pair"])
    lm = outputs(out)
    assert sorted(lm.literals) == ["o0", "o1"]
    assert engine.to_python(lm.literals["o0"], int) == 8 and engine.to_python(lm.literals["o1"], str) == "x!"
    from tests.runtime.rtpkg import ctxtasks

    assert ctxtasks.pair(3) == (6, "x!") and ctxtasks.pair(3, "y") == (6, "y!")


def test_several_outputs_come_back_as_flytekits_default_named_tuple():
    from tests.runtime.rtpkg import ctxtasks, tasks

    out = ctxtasks.pair(5)
    assert type(out).__name__ == "DefaultNamedTupleOutput" and out._fields == ("o0", "o1")
    assert (out.o0, out.o1) == (10, "x!") and out == (10, "x!")
    assert tasks.two_outputs().o1 == "one"


def test_class_storage_resolver_loads_the_task_at_its_index(tmp_path):
    (tmp_path / "stored.py").write_text(
        "from autoc import PythonInstanceTask, kwtypes\nfrom autoc.core.interface import Interface\n"
        "from autoc.resolvers.class_based import ClassStorageTaskResolver\n\nresolver = ClassStorageTaskResolver()\n\n\n"
        "class Scale(PythonInstanceTask):\n    def __init__(self, factor):\n"
        "        super().__init__(name=f'stored.scale{factor}', task_resolver=resolver,\n"
        "                         interface=Interface(inputs=kwtypes(x=int), outputs=kwtypes(o0=int)))\n"
        "        self.factor = factor\n        resolver.add(self)\n\n"
        "    def execute(self, x):\n        return self.factor * x\n\n\nscales = [Scale(f) for f in (2, 3)]\n")
    run_autoc("serialize", "stored.py", "-o", tmp_path / "specs", "--image", "ghcr.io/a/b:1", cwd=tmp_path)
    from flyteidl.admin import task_pb2

    spec = task_pb2.TaskSpec.FromString((tmp_path / "specs" / "1_stored.scale3_1.pb").read_bytes())
    args = list(spec.template.container.args)
    write_inputs(tmp_path / "inputs.pb", {"x": 5}, {"x": int})
    p = run_autoc("execute", "--inputs", tmp_path / "inputs.pb", "--output-prefix", tmp_path / "out",
                  *args[args.index("--resolver"):], cwd=tmp_path)
    assert args[-3:] == ["stored.resolver", "--", "1"]
    assert engine.to_python(outputs(tmp_path / "out").literals["o0"], int) == 15, p.stderr
    p = run_autoc("execute", "--inputs", tmp_path / "inputs.pb", "--output-prefix", tmp_path / "bad",
                  "--resolver", "stored.resolver", "--", "7", cwd=tmp_path, check=False)
    assert "ambiguous loader args ['7']" in error(tmp_path / "bad").message, p.stderr
