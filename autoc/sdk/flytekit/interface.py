"""``flytekit.core.interface``'s translation helpers as the face answers them: autoc's translation of an
Interface, read as flytekit's models."""

from __future__ import annotations

from typing import Any, Dict, Optional

from autoc.types.models import Model


def transform_variable_map(variable_map: Dict[str, Any], descriptions: Optional[Dict[str, str]] = None
                           ) -> Dict[str, Model]:
    """name -> Variable (its LiteralType and description, the name when none is given)."""
    from autoc.serialize.translate import _variable_map

    vm = _variable_map(variable_map, {k: (descriptions or {}).get(k, k) for k in variable_map})
    return {k: Model(vm.variables[k]) for k in variable_map}


def transform_interface_to_typed_interface(interface, allow_partial_artifact_id_binding: bool = False
                                           ) -> Optional[Model]:
    """The TypedInterface of an Interface (descriptions from its docstring)."""
    if interface is None:
        return None
    from autoc.serialize.translate import interface_message

    return Model(interface_message(interface))


def transform_inputs_to_parameters(ctx: Any, interface) -> Model:
    """The ParameterMap of an Interface's inputs, with their defaults."""
    from autoc.serialize.translate_launch_plan import input_parameters

    docs = interface.docstring.input_descriptions if interface.docstring is not None else {}
    return Model(input_parameters(interface.inputs, {k: docs.get(k, k) for k in interface.inputs},
                                  interface.defaults))


def transform_types_to_list_of_type(m: Dict[str, Any], bound_inputs, list_as_optional: bool = False
                                    ) -> Dict[str, Any]:
    """Every unbound variable of ``m`` as a list of its type (``List[Optional[T]]`` with ``list_as_optional``), as a
    map task's interface has it."""
    from autoc.core.array_node_map_task import _list_types

    return {} if m is None else _list_types(m, set(bound_inputs), list_as_optional)


def transform_interface_to_list_interface(interface, bound_inputs, excluded_inputs, optional_outputs: bool = False):
    """The interface of ``interface``'s task mapped over lists: ``excluded_inputs`` (a launch plan's fixed inputs)
    left out, ``bound_inputs`` kept as they are, the outputs lists (of optionals with ``optional_outputs``)."""
    from autoc.core.interface import Interface

    inputs = {k: v for k, v in interface.inputs.items() if k not in set(excluded_inputs or ())}
    return Interface(inputs=transform_types_to_list_of_type(inputs, bound_inputs),
                     outputs=transform_types_to_list_of_type(interface.outputs, set(), optional_outputs))
