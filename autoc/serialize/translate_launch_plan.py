"""Launch plan translation: a pure function of (launch plan, settings) -> ``flyteidl.admin.LaunchPlan``, field for
field what ``pyflyte serialize`` writes to ``_3.pb``.

It also refuses, with the launch plan's file:line, what FlyteAdmin would refuse at registration: a default or fixed
value of the wrong type, a schedule that leaves a required input unbound, a kick-off input that is not a free
``datetime`` input.
"""

from __future__ import annotations

import sys
import typing
from typing import Any, Callable, Dict

from flyteidl.admin import launch_plan_pb2, schedule_pb2
from flyteidl.core import identifier_pb2, interface_pb2, literals_pb2, types_pb2

from autoc.errors import AutocError, LaunchPlanError
from autoc.serialize.translate import _variable_map, identifier
from autoc.types.engine import _is_union, to_literal


def is_optional(t: Any) -> bool:
    """``Optional[X]`` (any union with None), whose missing or None default is a bare ``none_type`` literal."""
    return _is_union(t) and type(None) in typing.get_args(t)


def _literal(lp, what: str, name: str, value: Any, t: Any) -> literals_pb2.Literal:
    try:
        return to_literal(value, t)
    except AutocError as e:
        raise LaunchPlanError(f"launch plan {lp.name}: {what} '{name}' = {value!r:.80}: {e.message}",
                              where=lp.creation_site,
                              hint=e.hint or f"give '{name}' a value of the workflow input's type "
                                             f"{getattr(t, '__name__', t)}") from e


def parameter_map(lp) -> interface_pb2.ParameterMap:
    """The inputs an execution may set: every workflow input but the fixed ones, with its default if it has one.

    As flytekit does, an input whose default the launch plan itself gives is described by its name alone."""
    iface = lp.python_interface
    docs = iface.docstring.input_descriptions if iface.docstring is not None else {}
    given = lp.given_default_inputs
    fixed = lp.fixed_inputs
    free = {k: t for k, t in iface.inputs.items() if k not in fixed}
    descriptions = {k: (k if k in given else docs.get(k, k)) for k in free}
    return input_parameters(free, descriptions, lp.default_inputs, lp.workflow,
                            lambda k, value, t: _literal(lp, "default input", k, value, t))


def input_parameters(inputs: Dict[str, Any], descriptions: Dict[str, str], defaults: Dict[str, Any], owner=None,
                     literal: Callable = lambda k, value, t: to_literal(value, t)) -> interface_pb2.ParameterMap:
    """Parameters for ``inputs``: each with its default as a literal, None for an Optional input without one,
    else required."""
    variables = _variable_map(inputs, descriptions, owner)
    pm = interface_pb2.ParameterMap()
    for k, t in inputs.items():
        p = pm.parameters[k]
        p.var.CopyFrom(variables.variables[k])
        value = defaults.get(k)
        if value is None and is_optional(t):
            p.default.scalar.none_type.SetInParent()
        elif value is None:
            p.required = True
        else:
            p.default.CopyFrom(literal(k, value, t))
    return pm


def fixed_literals(lp) -> literals_pb2.LiteralMap:
    inputs = lp.python_interface.inputs
    lm = literals_pb2.LiteralMap()
    for k, v in lp.fixed_inputs.items():
        lm.literals[k].CopyFrom(_literal(lp, "fixed input", k, v, inputs[k]))
    return lm


def check_schedule(lp, params: interface_pb2.ParameterMap) -> None:
    """FlyteAdmin's rules for a scheduled launch plan: nothing required left unbound but the kick-off input, which
    must be a free ``datetime`` input."""
    kickoff = lp.schedule.kickoff_time_input_arg
    for k, p in params.parameters.items():
        if p.required and k != kickoff:
            raise LaunchPlanError(f"launch plan {lp.name} has a schedule but input '{k}' is required and unbound "
                                  f"(FlyteAdmin refuses it)", where=lp.creation_site,
                                  hint=f'give it a value: default_inputs={{"{k}": ...}} or fixed_inputs='
                                       f'{{"{k}": ...}}')
    if kickoff:
        p = params.parameters.get(kickoff)
        if p is None:
            why = "is fixed" if kickoff in lp.fixed_inputs else "is not an input of workflow " + lp.workflow.name
            raise LaunchPlanError(f"launch plan {lp.name}: kickoff_time_input_arg '{kickoff}' {why}",
                                  where=lp.creation_site, hint=_kickoff_hint(lp, params))
        if p.var.type.simple != types_pb2.DATETIME:
            raise LaunchPlanError(f"launch plan {lp.name}: kickoff_time_input_arg '{kickoff}' must be a "
                                  f"datetime input", where=lp.creation_site, hint=_kickoff_hint(lp, params))


def _kickoff_hint(lp, params: interface_pb2.ParameterMap) -> str:
    free = [k for k in lp.python_interface.inputs if k in params.parameters
            and params.parameters[k].var.type.simple == types_pb2.DATETIME]
    if free:
        return "name a datetime input that is not fixed: " + ", ".join(free)
    return f"add an input `{lp.schedule.kickoff_time_input_arg}: datetime.datetime` to the workflow (not fixed)"


def _metadata(lp) -> launch_plan_pb2.LaunchPlanMetadata:
    md = launch_plan_pb2.LaunchPlanMetadata()
    if lp.schedule is not None:
        md.schedule.CopyFrom(lp.schedule.to_flyte_idl())
    for n in lp.notifications:
        md.notifications.append(n.to_flyte_idl())
    if lp.trigger is not None:
        lc = lp.trigger.to_flyte_idl(lp)
        if isinstance(lc, schedule_pb2.Schedule):
            raise LaunchPlanError(f"launch plan {lp.name}: a schedule given as trigger=",
                                  where=lp.creation_site, hint="Please continue to use the schedule arg, the trigger "
                                                               "arg is not implemented for schedules")
        if lc is not None:
            md.launch_conditions.Pack(lc)
    return md


def launch_plan_spec(lp, settings) -> launch_plan_pb2.LaunchPlanSpec:
    spec = launch_plan_pb2.LaunchPlanSpec()
    reference = sys.modules.get("autoc.core.reference")  # (references exist only when it was imported)
    if reference is not None and isinstance(lp.workflow, reference.ReferenceEntity):
        # a launch plan of a registered workflow names it as written
        spec.workflow_id.CopyFrom(lp.workflow.id)
    else:
        spec.workflow_id.CopyFrom(identifier(identifier_pb2.WORKFLOW, lp.workflow.name, settings))
    spec.entity_metadata.CopyFrom(_metadata(lp))
    spec.default_inputs.CopyFrom(parameter_map(lp))
    spec.fixed_inputs.CopyFrom(fixed_literals(lp))
    if lp.schedule is not None:
        check_schedule(lp, spec.default_inputs)
    spec.labels.SetInParent()
    if lp.labels is not None:
        spec.labels.values.update(lp.labels.values)
    spec.annotations.SetInParent()
    if lp.annotations is not None:
        spec.annotations.values.update(lp.annotations.values)
    sc = lp.security_context.to_flyte_idl() if lp.security_context is not None else None
    if sc is not None:
        spec.security_context.CopyFrom(sc)
    spec.raw_output_data_config.SetInParent()
    if lp.raw_output_data_config is not None:
        spec.raw_output_data_config.output_location_prefix = lp.raw_output_data_config.output_location_prefix
    if lp.max_parallelism:
        spec.max_parallelism = lp.max_parallelism
    if lp.overwrite_cache:
        spec.overwrite_cache = True
    if lp.concurrency is not None:
        spec.concurrency_policy.CopyFrom(lp.concurrency.to_flyte_idl())
    return spec


def launch_plan_message(lp, settings) -> launch_plan_pb2.LaunchPlan:
    """The ``flyteidl.admin.LaunchPlan`` of ``_3.pb``: id, spec and an empty closure (FlyteAdmin fills it)."""
    msg = launch_plan_pb2.LaunchPlan()
    msg.id.CopyFrom(identifier(identifier_pb2.LAUNCH_PLAN, lp.name, settings))
    msg.spec.CopyFrom(launch_plan_spec(lp, settings))
    msg.closure.expected_inputs.SetInParent()
    msg.closure.expected_outputs.SetInParent()
    return msg

