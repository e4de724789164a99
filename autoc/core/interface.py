"""A task's Python interface: input and output names with their Python types, and the parsed docstring."""

from __future__ import annotations

import collections
import inspect
import re
import sys
import typing
from typing import Any, Callable, Dict, Optional, Tuple

from autoc.errors import AutocError, CallError, TaskDefinitionError, location_of


# What the Google (section titles), numpydoc (underlines) and epydoc (@fields) parsers need to find anything.
_NON_REST_MARKERS = re.compile(r"^\s*(@\w|[A-Z][A-Za-z ]*:\s*$|-{3,}\s*$)", re.MULTILINE)


_REST_FIELDS = re.compile(r"^:", re.MULTILINE)
_REST_CHUNK = re.compile(r"(^:.*?)(?=^:|\Z)", re.DOTALL | re.MULTILINE)
_PARAM_KEYS = frozenset({"param", "parameter", "arg", "argument", "attribute", "key", "keyword"})
_RETURN_KEYS = frozenset({"return", "returns", "yield", "yields"})


class _Unusual(Exception):
    """A ReST docstring :class:`_Rest` leaves to docstring_parser (its errors and rarer fields included)."""


class _Field:
    def __init__(self, arg_name: Optional[str], description: str):
        self.arg_name = self.return_name = arg_name
        self.description = description


class _Rest:
    """docstring_parser's ReST parse (``docstring_parser.rest.parse``), for what autoc reads of it: the short and
    long descriptions, ``:param x:`` (and its synonyms) and ``:return:``/``:yield:`` descriptions; ``:type`` and
    ``:rtype`` are skipped. Anything else raises :class:`_Unusual` and docstring_parser parses it. Most task
    docstrings are of this kind, and the import and generality of docstring_parser cost about 0.3 ms a task."""

    def __init__(self, text: str):
        self.params: list = []
        self.many_returns: list = []
        self.short_description = self.long_description = None
        if not text:
            return
        text = inspect.cleandoc(text)
        m = _REST_FIELDS.search(text)
        desc, meta = (text[:m.start()], text[m.start():]) if m else (text, "")
        parts = desc.split("\n", 1)
        self.short_description = parts[0] or None
        if len(parts) > 1:
            self.long_description = parts[1].strip() or None
        rtypes: Dict[Optional[str], None] = {}
        for m in _REST_CHUNK.finditer(meta):
            chunk = m.group(0)
            if not chunk:
                continue
            head, sep, description = chunk.lstrip(":").partition(":")
            args = head.split()
            if not sep or not args:
                raise _Unusual
            description = description.strip()
            if "\n" in description:
                first, rest = description.split("\n", 1)
                description = first + "\n" + inspect.cleandoc(rest)
            key = args[0]
            if key == "type" and len(args) == 2:
                continue
            if key == "rtype" and len(args) in (1, 2):
                rtypes.setdefault(args[1] if len(args) == 2 else None)
            elif key in _PARAM_KEYS and len(args) in (2, 3):
                self.params.append(_Field(args[-1], description))
            elif key in _RETURN_KEYS and len(args) in (1, 2):
                self.many_returns.append(_Field(None, description))
            else:
                raise _Unusual
        if not self.many_returns:  # an :rtype: alone still makes a return, without a description
            self.many_returns = [_Field(name, None) for name in rtypes]


class Docstring:
    """A parsed docstring (ReST, Google and numpydoc are detected): descriptions of the task and its variables.

    Parsed on first use: a container that only runs the task never pays for it."""

    def __init__(self, docstring: Optional[str] = None, callable_: Optional[Callable] = None):
        self._text = docstring if docstring is not None else (callable_.__doc__ if callable_ else None)
        self._cached = None

    @property
    def _parsed(self):
        if self._cached is None:
            # AUTO parses every style and keeps the one with the most sections, the first (ReST) on a tie; without
            # Google, numpydoc or epydoc markers those find none, so ReST alone gives AUTO's answer, 4x faster.
            # _Rest reads the common ReST docstrings as docstring_parser does, without importing it.
            text = self._text or ""
            if not _NON_REST_MARKERS.search(text):
                try:
                    self._cached = _Rest(text)
                except _Unusual:
                    pass
            if self._cached is None:
                from docstring_parser import DocstringStyle, parse

                style = DocstringStyle.AUTO if _NON_REST_MARKERS.search(text) else DocstringStyle.REST
                self._cached = parse(text, style=style)
        return self._cached

    @property
    def input_descriptions(self) -> Dict[str, str]:
        return {p.arg_name: p.description for p in self._parsed.params}

    @property
    def output_descriptions(self) -> Dict[str, str]:
        return {p.return_name: p.description for p in self._parsed.many_returns}

    @property
    def short_description(self) -> Optional[str]:
        return self._parsed.short_description

    @property
    def long_description(self) -> Optional[str]:
        return self._parsed.long_description


class Interface:
    """Ordered inputs and outputs (name -> Python type); ``defaults`` holds inputs' default values."""

    def __init__(self, inputs: Optional[Dict[str, Any]] = None, outputs: Optional[Dict[str, Any]] = None,
                 output_tuple_name: Optional[str] = None, docstring: Optional[Docstring] = None,
                 defaults: Optional[Dict[str, Any]] = None, output_tuple: Optional[type] = None):
        """flytekit's signature; ``output_tuple_name`` is accepted for it and names a NamedTuple made for the
        outputs when ``output_tuple`` is not given."""
        self._inputs: Dict[str, Any] = {}
        self.defaults: Dict[str, Any] = dict(defaults or {})
        # a task is called with its inputs as keyword arguments; its outputs become NamedTuple fields
        for what, names in (("Input name must be a valid Python identifier", inputs),
                            ("Type names and field names must be valid identifiers", outputs)):
            bad = [k for k in names or {} if not isinstance(k, str) or not k.isidentifier()]
            if bad:
                raise TaskDefinitionError(f"{what}: {', '.join(map(repr, bad))}",
                                          hint="name inputs and outputs like Python variables (letters, digits, _)")
        for k, v in (inputs or {}).items():
            if isinstance(v, tuple) and len(v) == 2 and not _is_type_like(v):
                self._inputs[k], self.defaults[k] = v
            else:
                self._inputs[k] = v
        self._outputs: Dict[str, Any] = dict(outputs or {})
        if output_tuple is None and output_tuple_name:
            output_tuple = typing.NamedTuple(output_tuple_name, list(self._outputs.items()))
        self.output_tuple = output_tuple  # the NamedTuple class the outputs come in, if any
        self.docstring = docstring

    @property
    def inputs(self) -> Dict[str, Any]:
        return self._inputs

    @property
    def outputs(self) -> Dict[str, Any]:
        return self._outputs

    @property
    def inputs_with_defaults(self) -> Dict[str, Tuple[Any, Any]]:
        """name -> (type, default or None), as flytekit offers it."""
        return {k: (t, self.defaults.get(k)) for k, t in self._inputs.items()}

    @property
    def default_inputs_as_kwargs(self) -> Dict[str, Any]:
        """The inputs whose default is not None, with it (as flytekit)."""
        return {k: self.defaults[k] for k in self._inputs if self.defaults.get(k) is not None}

    @property
    def output_tuple_name(self) -> Optional[str]:
        return self.output_tuple.__name__ if self.output_tuple else None

    def __repr__(self) -> str:
        return f"Interface(inputs={self._inputs}, outputs={self._outputs})"


def _is_type_like(v) -> bool:
    return isinstance(v, type) or typing.get_origin(v) is not None


def kwtypes(**kwargs) -> Dict[str, Any]:
    """``kwtypes(a=int, b=str)``: an ordered name -> type mapping for Interface inputs and outputs."""
    return collections.OrderedDict(kwargs)


def default_output_name(index: int = 0) -> str:
    return f"o{index}"


def extract_return_annotation(return_annotation: Any, where: Optional[str] = None) -> Dict[str, Any]:
    """Output names and types from a return annotation, named as flytekit names them."""
    if return_annotation in (None, type(None), inspect.Signature.empty):
        return {}
    if isinstance(return_annotation, tuple):  # `-> (int, str)`: a tuple expression means Tuple[int, str]
        if not return_annotation:
            raise TaskDefinitionError("an empty tuple return annotation `()` does not say the output types",
                                      where=where, hint="annotate as -> None for no outputs")
        return_annotation = typing.Tuple[return_annotation]
    if isinstance(return_annotation, type) and issubclass(return_annotation, tuple) \
            and hasattr(return_annotation, "_fields"):
        hints = typing.get_type_hints(return_annotation)
        return collections.OrderedDict((f, hints.get(f, Any)) for f in return_annotation._fields)
    origin = typing.get_origin(return_annotation)
    if origin is tuple or return_annotation in (tuple, typing.Tuple):
        args = typing.get_args(return_annotation)
        if not args:
            raise TaskDefinitionError("a bare `tuple` return annotation does not say the output types", where=where,
                                      hint="annotate as tuple[int, str] (outputs o0, o1) or return a NamedTuple")
        if len(args) == 2 and args[1] is Ellipsis:
            raise TaskDefinitionError("variable-length tuple[T, ...] cannot name task outputs", where=where,
                                      hint="return list[T] for many values of one type")
        if len(args) == 1:
            raise TaskDefinitionError("Tuples should be used to indicate multiple return values, found only one "
                                      "return variable.", where=where,
                                      hint="Please don't use a tuple if you're just returning one thing.")
        return collections.OrderedDict((default_output_name(i), a) for i, a in enumerate(args))
    return {default_output_name(0): return_annotation}


def _type_hints(fn: Callable) -> Dict[str, Any]:
    """``typing.get_type_hints``, also when a postponed (string) return annotation is a tuple expression such as
    ``-> (int, str)``, which typing refuses (flytekit too) but Python accepts."""
    try:
        return typing.get_type_hints(fn, include_extras=True)
    except TypeError:
        annotations = dict(getattr(fn, "__annotations__", {}))
        ret = annotations.pop("return", None)
        if not isinstance(ret, str):
            raise
        value = eval(ret, getattr(fn, "__globals__", {}))  # the annotation's own text, as typing would evaluate it
        if not isinstance(value, tuple):
            raise
        holder = type("_Annotations", (), {})()
        holder.__annotations__ = annotations
        hints = typing.get_type_hints(holder, globalns=getattr(fn, "__globals__", {}), include_extras=True)
        hints["return"] = value
        return hints


def _parameters(fn: Callable, where: Optional[str]):
    """(name, default or ``Parameter.empty``) of each parameter, in signature order. A plain function's are read
    off its code object (about 50 times faster than ``inspect.signature``, once per task); anything else (a
    wrapper, a partial, a callable object, ``*args``) goes through ``inspect.signature``."""
    code = getattr(fn, "__code__", None)
    if type(fn) is _FUNCTION and not code.co_flags & _VARIADIC and "__wrapped__" not in fn.__dict__ \
            and "__signature__" not in fn.__dict__:
        names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
        positional = code.co_argcount
        empty = inspect.Parameter.empty
        pos_defaults = fn.__defaults__ or ()
        first_default = positional - len(pos_defaults)
        kw_defaults = fn.__kwdefaults__ or {}
        out = []
        for i, name in enumerate(names):
            if i < positional:
                out.append((name, pos_defaults[i - first_default] if i >= first_default else empty))
            else:
                out.append((name, kw_defaults.get(name, empty)))
        return out
    out = []
    for name, p in inspect.signature(fn).parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise TaskDefinitionError(f"parameter {p}: *args and **kwargs cannot be task inputs", where=where,
                                      hint="name every input explicitly")
        out.append((name, p.default))
    return out


_FUNCTION = type(_is_type_like)
_VARIADIC = inspect.CO_VARARGS | inspect.CO_VARKEYWORDS


def transform_function_to_interface(fn: Callable, docstring: Optional[Docstring] = None,
                                    pickle_untyped: bool = False) -> Interface:
    """The Interface of a task function: parameters in signature order; outputs from the return annotation."""
    where = location_of(fn)
    try:
        hints = _type_hints(fn)
    except Exception as e:
        raise TaskDefinitionError(f"cannot resolve the type annotations of {fn.__qualname__}(): {e}", where=where,
                                  hint="make every annotation importable at module level") from e
    inputs: Dict[str, Any] = collections.OrderedDict()
    defaults: Dict[str, Any] = {}
    for name, default in _parameters(fn, where):
        t = hints.get(name, inspect.Parameter.empty)
        if t is inspect.Parameter.empty:
            if not pickle_untyped:
                raise TaskDefinitionError(f"parameter '{name}' of {fn.__qualname__}() has no type annotation",
                                          where=where, hint=f"annotate it, e.g. {name}: int")
            t = Any
        inputs[name] = t
        if default is not inspect.Parameter.empty:
            defaults[name] = default
    ret = hints.get("return", inspect.Signature.empty)  # (every annotation is in hints)
    if ret is inspect.Signature.empty and pickle_untyped:
        ret = Any
    outputs = extract_return_annotation(ret, where)
    named = ret if outputs and isinstance(ret, type) and hasattr(ret, "_fields") else None
    return Interface(inputs, outputs, docstring=docstring, defaults=defaults, output_tuple=named)


def describe_inputs(interface: Interface) -> str:
    """``a: int, b: int = 2``: the inputs as a signature, for error hints."""
    parts = []
    for name, t in interface.inputs.items():
        text = f"{name}: {t.__name__ if isinstance(t, type) else str(t).replace('typing.', '')}"
        if name in interface.defaults:
            text += f" = {interface.defaults[name]!r}"
        parts.append(text)
    return ", ".join(parts) or "(none)"


def bind_inputs(entity: str, interface: Interface, args: tuple, kwargs: Dict[str, Any],
                require_all: bool = True) -> Dict[str, Any]:
    """Map a call's positional and keyword arguments onto the interface's input names, in interface order.

    flytekit's rules: positionals fill inputs in signature order, a keyword must name an input, no input gets two
    values. ``require_all`` also refuses a call that leaves an input without a default unset. ``entity`` names
    what was called (e.g. ``task wf.add``) in the errors."""
    names = list(interface.inputs)
    hint = f"{entity} takes ({describe_inputs(interface)})"
    unknown = [k for k in kwargs if k not in interface.inputs]
    if unknown:
        raise CallError(f"{entity} has no input(s) named {', '.join(map(repr, unknown))}", hint=hint)
    if len(args) > len(names):
        raise CallError(f"{entity} takes {len(names)} input(s) but {len(args)} positional argument(s) were given",
                        hint=hint)
    bound = dict(kwargs)
    for name, value in zip(names, args):
        if name in kwargs:
            raise CallError(f"{entity} got multiple values for input '{name}'", hint=hint)
        bound[name] = value
    if require_all:
        missing = [n for n in names if n not in bound and n not in interface.defaults]
        if missing:
            raise CallError(f"{entity} is missing required input(s): {', '.join(missing)}", hint=hint)
    return {n: bound[n] for n in names if n in bound}


# --- typed interface: an Interface with the LiteralTypes of its variables (autoc.types.engine) -----------------
def _variable_map(variables: Dict[str, Any], descriptions: Dict[str, str], task=None) -> interface_pb2.VariableMap:
    from flyteidl.core import interface_pb2

    vm = interface_pb2.VariableMap()
    _fill_variables(vm, variables, descriptions, task)
    return vm


def _fill_variables(vm, variables: Dict[str, Any], descriptions: Dict[str, str], task) -> None:
    """Each variable's LiteralType and description into the VariableMap ``vm`` (in place: no copy of the map)."""
    from autoc.types.engine import to_literal_type

    vm.SetInParent()
    for name, t in variables.items():
        var = vm.variables[name]
        try:
            var.type.CopyFrom(to_literal_type(t))
        except AutocError as e:
            kind = _entity_word(task)
            e.message = f"{kind} {task.name}, variable '{name}': {e.message}" if task is not None else \
                f"variable '{name}': {e.message}"
            e.where = e.where or getattr(task, "definition_site", None)
            raise
        desc = descriptions.get(name, name)
        var.description = desc if desc is not None else ""


def typed_interface(task) -> interface_pb2.TypedInterface:
    """Inputs and outputs with their LiteralTypes; descriptions from the docstring, else the variable name."""
    return interface_message(task.python_interface, task)


def interface_message(iface, task=None) -> interface_pb2.TypedInterface:
    """``typed_interface`` of an Interface (``task``, when given, is named in errors)."""
    from flyteidl.core import interface_pb2

    ins: Dict[str, str] = {}
    outs: Dict[str, str] = {}
    if iface.docstring is not None:
        ins = iface.docstring.input_descriptions
        outs = iface.docstring.output_descriptions
        if len(outs) == 1:  # one :return: description is shared by every output, as flytekit does
            shared = next(iter(outs.values()))
            outs = {k: shared for k in iface.outputs}
    ti = interface_pb2.TypedInterface()
    _fill_variables(ti.inputs, iface.inputs, ins, task)
    _fill_variables(ti.outputs, iface.outputs, outs, task)
    return ti


def _entity_word(entity) -> str:
    """``workflow`` or ``task``, as errors name an entity (core.workflow imports this module, so its class is looked
    up in sys.modules: an entity of a module never imported is no workflow)."""
    workflow = sys.modules.get("autoc.core.workflow")
    return "workflow" if workflow is not None and isinstance(entity, workflow.WorkflowBase) else "task"
