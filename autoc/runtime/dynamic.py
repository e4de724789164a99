"""``autoc execute`` of a ``@dynamic`` task: run the body on the input values and write the workflow it builds as
``futures.pb`` (a DynamicJobSpec; Flyte runs it next), or ``outputs.pb`` when the body calls nothing."""

from __future__ import annotations

from typing import Any, Dict

from flyteidl.core import dynamic_job_pb2

from autoc.core.timeit import timeit
from autoc import storage
from autoc.runtime.errors import Outcome, PhaseError, system_error, user_code_error

FUTURES_FILE_NAME = "futures.pb"


def run_dynamic(task, values: Dict[str, Any], args):
    from autoc.core.dynamic_workflow_task import runtime_settings

    try:
        settings = runtime_settings(args.additional_distribution, args.dest_dir)
    except Exception as e:
        raise system_error("DynamicSettingsError", e) from e
    try:
        with timeit("Compile dynamic workflow"):
            result = task.dynamic_job(values, settings)
    except PhaseError:
        raise
    except Exception as e:  # the body is user code; so are the calls and bindings it makes
        raise user_code_error(e) from e
    name = FUTURES_FILE_NAME if isinstance(result, dynamic_job_pb2.DynamicJobSpec) else "outputs.pb"
    try:
        with timeit(f"Upload data to {args.output_prefix}"):
            storage.write_bytes(storage.join(args.output_prefix, name), result.SerializeToString(deterministic=True))
    except Exception as e:
        raise system_error("UploadError", e, recoverable=True) from e
    return Outcome(None)
