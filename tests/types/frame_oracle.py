"""Run with the flytekit oracle's python: ``python frame_oracle.py write WORKDIR PREFIX`` writes every case of
frame_cases.py with flytekit's TypeEngine (blobs and parquet under PREFIX) to WORKDIR/inputs.pb and its literal
types to WORKDIR/types.pb; ``python frame_oracle.py read WORKDIR PREFIX FILE`` reads a LiteralMap written by
autoc and prints ``RESULT {name: "ok" | what differs}``."""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(os.path.dirname(HERE), "oracle_shim")]  # `from autoc import` -> flytekit

from flyteidl.core import interface_pb2, literals_pb2  # noqa: E402
from flytekit.core.context_manager import FlyteContextManager  # noqa: E402
from flytekit.core.data_persistence import FileAccessProvider  # noqa: E402
from flytekit.core.type_engine import TypeEngine  # noqa: E402
from flytekit.models.literals import Literal  # noqa: E402

from frame_cases import cases  # noqa: E402


def main(mode, workdir, prefix, path=None):
    fa = FileAccessProvider(local_sandbox_dir=os.path.join(workdir, "flytekit-sandbox"), raw_output_prefix=prefix)
    ctx0 = FlyteContextManager.current_context()
    with FlyteContextManager.with_context(ctx0.with_file_access(fa)) as ctx:
        all_cases = cases(os.path.join(workdir, "flytekit-files"))
        if mode == "write":
            lm, vm = literals_pb2.LiteralMap(), interface_pb2.VariableMap()
            for name, (t, v, _) in all_cases.items():
                lt = TypeEngine.to_literal_type(t)
                lm.literals[name].CopyFrom(TypeEngine.to_literal(ctx, v, t, lt).to_flyte_idl())
                vm.variables[name].type.CopyFrom(lt.to_flyte_idl())
            with open(os.path.join(workdir, "inputs.pb"), "wb") as f:
                f.write(lm.SerializeToString())
            with open(os.path.join(workdir, "types.pb"), "wb") as f:
                f.write(vm.SerializeToString())
            return
        pb = literals_pb2.LiteralMap()
        with open(path, "rb") as f:
            pb.ParseFromString(f.read())
        result = {}
        for name, lit in pb.literals.items():
            t, _, check = all_cases[name]
            try:
                result[name] = check(TypeEngine.to_python_value(ctx, Literal.from_flyte_idl(lit), t)) or "ok"
            except Exception as e:
                result[name] = f"error: {type(e).__name__}: {e}"
        print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main(*sys.argv[1:])
