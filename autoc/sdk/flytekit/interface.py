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
