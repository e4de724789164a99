"""``autoc execute``: the program Flyte runs inside the task's container.

Load the resolver, load the task, read ``inputs.pb``, convert, call, convert back, write ``outputs.pb``. Every
failure, in any phase, becomes ``error.pb`` under the output prefix, and ``outputs.pb`` appears only when
every output converted. The code bundle of fast registration is fetched and run in this same process.
"""

from __future__ import annotations

import dataclasses
import importlib
import logging
import os
import sys
from typing import List, Optional

from flyteidl.core import literals_pb2

from autoc.core.timeit import TIMELINE, timeit
from autoc.runtime import storage
from autoc.runtime.context import _env
from autoc.runtime.errors import (IgnoreOutputs, Outcome, PhaseError, describe, error_document, system_error,
                                  user_code_error)

logger = logging.getLogger("autoc")

_UNFILLED = {"{{.rawOutputDataPrefix}}", "{{.checkpointOutputPrefix}}", "{{.prevCheckpointPrefix}}", "", '""'}


def _filled(value: Optional[str]) -> Optional[str]:
    return None if value is None or value.strip() in _UNFILLED else value


@dataclasses.dataclass
class ExecuteArgs:
    inputs: Optional[str]
    output_prefix: Optional[str]
    resolver: Optional[str]
    resolver_args: List[str]
    raw_output_data_prefix: Optional[str] = None
    checkpoint_path: Optional[str] = None
    prev_checkpoint: Optional[str] = None
    additional_distribution: Optional[str] = None
    dest_dir: Optional[str] = None


def safe_extract(archive: str, dest: str) -> None:
    """Extract a .tar.gz safely on every Python (see ``autoc.runtime.extract``)."""
    from autoc.runtime.extract import extract

    extract(archive, dest)


def fetch_distribution(url: str, dest_dir: str, workdir: str) -> str:
    """Download and unpack the fast-registration code bundle; ``dest_dir`` goes first on sys.path."""
    name = os.path.basename(url.rstrip("/"))
    if not name.endswith((".tar.gz", ".tgz")):
        raise ValueError(f"unrecognised code bundle format {url!r}; expected a .tar.gz")
    local = os.path.join(workdir, name)
    with timeit("Download distribution"):
        storage.download(url, local)
    os.makedirs(dest_dir, exist_ok=True)
    try:
        safe_extract(local, dest_dir)
    finally:
        os.unlink(local)  # the sandbox keeps only what the task produced
    path = os.path.realpath(dest_dir)
    if path in sys.path:
        sys.path.remove(path)
    sys.path.insert(0, path)
    importlib.invalidate_caches()
    return path


def load_resolver(location: str):
    module, _, attr = location.rpartition(".")
    if not module:
        raise ValueError(f"--resolver {location!r} is not module.variable")
    from autoc.core.tracker import import_spec_module

    resolver = getattr(import_spec_module(module), attr)
    return resolver() if isinstance(resolver, type) else resolver  # a class (the map-task resolver) is instantiated


def _run(args: ExecuteArgs, fa: storage.FileAccess) -> Outcome:
    """Everything from loading the user's module on runs in TASK_EXECUTION mode, as under pyflyte-execute."""
    from autoc.core.context import ExecutionMode, execution_mode
    from autoc.runtime.context import ExecutionParameters

    params = ExecutionParameters.from_env(fa.local_sandbox, fa.raw_output_prefix,
                                          output_metadata_prefix=args.output_prefix,
                                          checkpoint_dest=args.checkpoint_path, checkpoint_src=args.prev_checkpoint)
    with execution_mode(ExecutionMode.TASK_EXECUTION, fa.local_sandbox, params):
        return _run_task(args, fa)


def _run_task(args: ExecuteArgs, fa: storage.FileAccess) -> Outcome:
    from autoc.runtime.dispatch import call_task, inputs_to_python, outputs_to_literals

    if not args.inputs or not args.output_prefix:
        missing = [n for n, v in (("--inputs", args.inputs), ("--output-prefix", args.output_prefix)) if not v]
        raise system_error("BadArguments", ValueError(f"missing {', '.join(missing)}"))
    if not args.resolver or not args.resolver_args:
        raise system_error("BadArguments", ValueError("--resolver and the loader arguments after '--' are required"))

    if args.additional_distribution:
        try:
            fetch_distribution(args.additional_distribution, args.dest_dir or os.getcwd(), fa.local_sandbox)
        except FileNotFoundError as e:
            raise system_error("CodeBundleNotFound", e, recoverable=True) from e
        except Exception as e:
            raise system_error("CodeBundleError", e) from e
    if os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())

    try:
        resolver = load_resolver(args.resolver)
    except Exception as e:
        raise system_error("ResolverLoadError", e) from e
    try:
        task = resolver.load_task(loader_args=list(args.resolver_args))
    except Exception as e:
        err = user_code_error(e)
        err.code = "USER:TaskLoadError" if err.code == "USER:RuntimeError" else err.code
        raise err from e

    try:
        with timeit(f"Download data to local from {args.inputs}"):
            raw = storage.read_bytes(args.inputs)
    except FileNotFoundError as e:
        raise system_error("InputsNotFound", e, recoverable=True) from e
    except Exception as e:
        raise system_error("InputsReadError", e, recoverable=True) from e
    lm = literals_pb2.LiteralMap()
    try:
        lm.ParseFromString(raw)
    except Exception as e:
        raise system_error("CorruptInputs", ValueError(f"{args.inputs} is not a LiteralMap: {e}")) from e

    element = getattr(task, "array_element", None)
    if element is not None:  # a map task: this container runs the mapped task on one element
        task, lm = element(lm)
    with timeit("Translate literal to python value"):
        values = inputs_to_python(task, lm)
    dynamic_job = getattr(task, "dynamic_job", None)
    if dynamic_job is not None:  # @dynamic: the workflow its body builds (futures.pb), or its outputs
        from autoc.runtime.dynamic import run_dynamic

        return run_dynamic(task, values, args)
    with timeit("Execute user level code"):
        try:
            rval = call_task(task, values)
        except PhaseError as err:
            if not isinstance(err.cause, IgnoreOutputs):
                raise
            logger.warning("the task raised IgnoreOutputs (%s): no outputs are written", err.cause)
            return Outcome(None)
    with timeit("Translate the output to literals"):
        out = outputs_to_literals(task, rval)
    try:
        with timeit(f"Upload data to {args.output_prefix}"):
            storage.write_bytes(storage.join(args.output_prefix, "outputs.pb"), out.SerializeToString(deterministic=True))
    except Exception as e:
        raise system_error("UploadError", e, recoverable=True) from e
    if getattr(task, "enable_deck", False):
        _write_deck(args.output_prefix, task.name)
    return Outcome(None)


def _write_deck(output_prefix: str, task_name: str) -> None:
    import html

    rows = "".join(f"<tr><td>{html.escape(e['Name'])}</td><td>{e['WallTime']:.6f}</td>"
                   f"<td>{e['ProcessTime']:.6f}</td></tr>" for e in TIMELINE)
    page = (f"<html><head><title>{html.escape(task_name)}</title></head><body><h2>Timeline</h2><table>"
            f"<tr><th>Name</th><th>Wall time (s)</th><th>Process time (s)</th></tr>{rows}</table></body></html>")
    try:
        storage.write_bytes(storage.join(output_prefix, "deck.html"), page.encode())
    except Exception as e:  # a deck is informational; its loss must not fail the task
        logger.warning("could not write deck.html: %s", e)


#: the resolvers of flytekit's legacy (``container_array``) map task, by autoc's and flytekit's location
LEGACY_MAP_RESOLVERS = ("autoc.resolvers.map_task.MapTaskResolver", "flytekit.core.legacy_map_task.MapTaskResolver")


def run_execute(args: ExecuteArgs) -> Outcome:
    """Run one task; any failure is written as error.pb (when an output prefix is known) and returned."""
    args = dataclasses.replace(args, raw_output_data_prefix=_filled(args.raw_output_data_prefix),
                               checkpoint_path=_filled(args.checkpoint_path),
                               prev_checkpoint=_filled(args.prev_checkpoint))
    if args.resolver in LEGACY_MAP_RESOLVERS and args.output_prefix:
        # the array plugin gathers each element's outputs (and error) from <prefix>/<index>/ (pyflyte-map-execute)
        from autoc.core.array_node_map_task import array_index

        args = dataclasses.replace(args, output_prefix=storage.join(args.output_prefix, str(array_index())))
    fa = storage.FileAccess(args.raw_output_data_prefix)  # makes its own local sandbox
    try:
        with storage.using_file_access(fa):
            try:
                return _run(args, fa)
            except PhaseError as err:
                outcome = Outcome(err)
            except Exception as e:  # anything not classified above is autoc's fault
                outcome = Outcome(system_error("Unknown", e))
        write_error(args.output_prefix, outcome.error)
        return outcome
    finally:
        storage.remove_empty_folders(fa.local_sandbox)


def write_error(output_prefix: Optional[str], err: PhaseError) -> None:
    """Log the failure and write it as the error document under ``output_prefix`` (when one is known).

    The document is ``error.pb``, or ``error-<uuid>.pb`` under a distributed error strategy (one per worker)."""
    logger.debug("task failed: %s", describe(err))  # `autoc execute` prints it, once
    if not output_prefix:
        return
    name = "error.pb"
    if os.environ.get("FLYTE_INTERNAL_DIST_ERROR_STRATEGY") or os.environ.get("_F_DES"):
        import uuid

        name = f"error-{uuid.uuid4().hex}.pb"
    doc = error_document(err, worker=_env("FLYTE_INTERNAL_WORKER_NAME", "_F_WN"))
    storage.write_bytes(storage.join(output_prefix, name), doc.SerializeToString(deterministic=True))
