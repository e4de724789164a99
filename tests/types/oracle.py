"""Run with the flytekit oracle's python: ``python oracle.py write DIR`` writes every case as flytekit's
literal (inputs.pb) and literal type (types.pb); ``python oracle.py read FILE`` reads a LiteralMap written by
autoc with flytekit's TypeEngine and prints, per case, whether it equals the expected value."""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cases import CASES  # noqa: E402
from flytekit.core.context_manager import FlyteContextManager  # noqa: E402
from flytekit.core.type_engine import TypeEngine  # noqa: E402
from flytekit.models.literals import LiteralMap  # noqa: E402
from flyteidl.core import interface_pb2, literals_pb2  # noqa: E402


def write(d):
    ctx = FlyteContextManager.current_context()
    lm, vm = literals_pb2.LiteralMap(), interface_pb2.VariableMap()
    for name, (t, v) in CASES.items():
        lt = TypeEngine.to_literal_type(t)
        lm.literals[name].CopyFrom(TypeEngine.to_literal(ctx, v, t, lt).to_flyte_idl())
        vm.variables[name].type.CopyFrom(lt.to_flyte_idl())
    with open(os.path.join(d, "inputs.pb"), "wb") as f:
        f.write(lm.SerializeToString())
    with open(os.path.join(d, "types.pb"), "wb") as f:
        f.write(vm.SerializeToString())


def read(path):
    ctx = FlyteContextManager.current_context()
    pb = literals_pb2.LiteralMap()
    with open(path, "rb") as f:
        pb.ParseFromString(f.read())
    lm = LiteralMap.from_flyte_idl(pb)
    result = {}
    for name, lit in lm.literals.items():
        t, expected = CASES[name]
        try:
            got = TypeEngine.to_python_value(ctx, lit, t)
            result[name] = "ok" if got == expected else f"mismatch: {got!r} != {expected!r}"
        except Exception as e:
            result[name] = f"error: {type(e).__name__}: {e}"
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    {"write": write, "read": read}[sys.argv[1]](sys.argv[2])
