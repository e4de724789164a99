"""autoc.core.interface: output naming, function -> Interface, and docstrings."""

import re
import typing
from typing import List, NamedTuple, Optional, Tuple

import pytest

from autoc.core.interface import Docstring, Interface, extract_return_annotation, kwtypes, \
    transform_function_to_interface
from autoc.errors import TaskDefinitionError


class Pair(NamedTuple):
    total: int
    label: str


def test_return_none_has_no_outputs():
    assert extract_return_annotation(None) == {}
    assert extract_return_annotation(type(None)) == {}


def test_return_namedtuple_uses_field_names():
    out = extract_return_annotation(Pair)
    assert list(out.items()) == [("total", int), ("label", str)]


@pytest.mark.parametrize("ann", [Tuple[int, str], tuple[int, str]])
def test_return_tuple_names_outputs_o0_o1(ann):
    assert list(extract_return_annotation(ann).items()) == [("o0", int), ("o1", str)]


def test_return_single_type_is_o0():
    assert extract_return_annotation(List[int]) == {"o0": List[int]}
    assert extract_return_annotation(Optional[str]) == {"o0": Optional[str]}


@pytest.mark.parametrize("ann, words", [
    (Tuple[int], "found only one return variable"),
    (tuple[int], "found only one return variable"),
    (tuple, "bare `tuple`"),
    (typing.Tuple, "bare `tuple`"),
    (tuple[int, ...], "variable-length"),
    (Tuple[int, ...], "variable-length"),
])
def test_bad_tuple_returns(ann, words):
    with pytest.raises(TaskDefinitionError) as ei:
        extract_return_annotation(ann, where="m.py:7")
    assert words in ei.value.message
    assert ei.value.where == "m.py:7"


def test_function_interface_keeps_signature_order_and_defaults():
    def fn(b: int, a: str = "x", c: float = 1.0) -> Pair:
        ...

    i = transform_function_to_interface(fn)
    assert list(i.inputs.items()) == [("b", int), ("a", str), ("c", float)]
    assert i.defaults == {"a": "x", "c": 1.0}
    assert list(i.outputs) == ["total", "label"]
    assert i.output_tuple_name == "Pair"


def test_function_interface_tuple_outputs_have_no_tuple_name():
    def fn() -> Tuple[int, str]:
        ...

    i = transform_function_to_interface(fn)
    assert list(i.outputs) == ["o0", "o1"] and i.output_tuple_name is None
    assert i.inputs == {}


def test_function_without_return_annotation_has_no_outputs():
    def fn(a: int):
        ...

    assert transform_function_to_interface(fn).outputs == {}


def test_missing_annotation_names_the_parameter_and_location():
    def fn(a: int, b) -> None:
        ...

    with pytest.raises(TaskDefinitionError) as ei:
        transform_function_to_interface(fn)
    assert "parameter 'b'" in ei.value.message
    assert fn.__code__.co_filename in ei.value.where


def test_pickle_untyped_makes_missing_annotations_any():
    def fn(a, b: int):
        ...

    i = transform_function_to_interface(fn, pickle_untyped=True)
    assert i.inputs == {"a": typing.Any, "b": int}
    assert i.outputs == {"o0": typing.Any}


@pytest.mark.parametrize("src", ["def fn(*args: int): ...", "def fn(a: int, **kw: int): ..."])
def test_var_args_are_errors(src):
    ns = {}
    exec(src, ns)
    with pytest.raises(TaskDefinitionError, match=r"\*args and \*\*kwargs"):
        transform_function_to_interface(ns["fn"])


def test_unresolvable_string_annotation_is_an_error():
    ns = {}
    exec("def fn(a: 'DoesNotExist') -> int: ...", ns)
    with pytest.raises(TaskDefinitionError, match="cannot resolve the type annotations"):
        transform_function_to_interface(ns["fn"])


def test_interface_inputs_with_default_pairs():
    i = Interface(inputs=kwtypes(a=int, b=(str, "x")), outputs=kwtypes(o0=int))
    assert i.inputs == {"a": int, "b": str}
    assert i.defaults == {"b": "x"}


def test_docstring_rest_style():
    d = Docstring("Short line.\n\nLonger text.\n\n:param a: the a\n:param b: the b\n:return: the sum\n")
    assert d.short_description == "Short line."
    assert d.long_description == "Longer text."
    assert d.input_descriptions == {"a": "the a", "b": "the b"}
    assert list(d.output_descriptions.values()) == ["the sum"]


def test_docstring_google_style_from_callable():
    def fn(a: int) -> int:
        """Add one.

        Args:
            a: a number
        Returns:
            int: the number plus one
        """

    d = Docstring(callable_=fn)
    assert d.short_description == "Add one."
    assert d.input_descriptions == {"a": "a number"}
    assert list(d.output_descriptions.values()) == ["the number plus one"]


def test_docstring_absent():
    d = Docstring(callable_=lambda: 0)
    assert d.short_description is None and d.input_descriptions == {}


def _tuple_expression() -> (int, str):
    return 1, "a"


def test_tuple_expression_return_names_outputs_o0_o1():
    iface = transform_function_to_interface(_tuple_expression)
    assert list(iface.outputs.items()) == [("o0", int), ("o1", str)]


def test_postponed_tuple_expression_return(tmp_path, unique_pkg):
    """With `from __future__ import annotations` the annotation is the text "(int, List[str])"."""
    import importlib

    root = unique_pkg({"m.py": "from __future__ import annotations\nfrom typing import List\n"
                               "def f(a: int, b: List[str]) -> (int, List[str]):\n    return a, b\n"})
    import sys

    sys.path.insert(0, str(root.parent))
    try:
        mod = importlib.import_module(f"{root.name}.m")
    finally:
        sys.path.remove(str(root.parent))
    iface = transform_function_to_interface(mod.f)
    assert list(iface.inputs.items()) == [("a", int), ("b", List[str])]
    assert list(iface.outputs.items()) == [("o0", int), ("o1", List[str])]


def test_empty_tuple_expression_is_refused():
    def f() -> ():
        return ()

    with pytest.raises(TaskDefinitionError, match="empty tuple"):
        transform_function_to_interface(f)


def _iface():
    return Interface({"a": int, "b": str}, {"o0": int}, defaults={"b": "x"})


def test_bind_positional_and_keyword_arguments_in_interface_order():
    from autoc.core.interface import bind_inputs

    assert bind_inputs("task t", _iface(), (1,), {"b": "y"}) == {"a": 1, "b": "y"}
    assert bind_inputs("task t", _iface(), (1, "z"), {}) == {"a": 1, "b": "z"}
    assert list(bind_inputs("task t", _iface(), (), {"b": "y", "a": 2})) == ["a", "b"]
    assert bind_inputs("task t", _iface(), (1,), {}) == {"a": 1}  # defaults are the task's to fill


@pytest.mark.parametrize("args, kwargs, words", [
    ((), {"c": 1}, "task t has no input(s) named 'c'"),
    ((1, "y", 3), {}, "task t takes 2 input(s) but 3 positional argument(s) were given"),
    ((1,), {"a": 2}, "task t got multiple values for input 'a'"),
    ((), {"b": "y"}, "task t is missing required input(s): a"),
])
def test_bind_errors_name_the_task_and_its_inputs(args, kwargs, words):
    from autoc.core.interface import bind_inputs
    from autoc.errors import CallError

    with pytest.raises(CallError) as info:
        bind_inputs("task t", _iface(), args, kwargs)
    assert info.value.message == words
    assert info.value.hint == "task t takes (a: int, b: str = 'x')"
    assert isinstance(info.value, TypeError)


def test_call_errors_show_generic_input_types_in_full():
    from autoc.core.interface import describe_inputs

    iface = Interface({"xs": List[str], "m": dict[str, int], "o": Optional[int], "n": int}, defaults={"n": 3})
    assert describe_inputs(iface) == "xs: List[str], m: dict[str, int], o: Optional[int], n: int = 3"


@pytest.mark.parametrize("text", [None, "", "One line.", "  One line.\n\n  More text\n  here.\n",
                                  "Title\nsecond line\n\n\nthird\n\n", "\n   Leading blank.\n   next", "   \n  ",
                                  "x\n    indented :not a field\n", "Sum.\n\n:param a: first\n:return: total",
                                  "Sum.\n\n    :param a: first\n", "Sum.\n\nArgs:\n    a: first\n",
                                  "Sum.\n:param int a: first\n  continued\n    deeper\n:type a: int\n:rtype: int\n"
                                  ":returns: total\n  over lines", ":parameter a: first\n:yields: parts",
                                  ":param a: first\n:raises ValueError: when", ":param: nameless", ":param a b c d: x",
                                  ":return int total: x", ": : empty", ":param a first", "Long\n\ntext\n\n:param a: x"
                                  "\n:param b: y defaults to 3.", ":deprecated 1.0: old\n:param a: x"])
def test_a_docstring_reads_as_docstring_parser_reads_it_with_or_without_fields(text):
    from docstring_parser import DocstringStyle, parse

    from autoc.core.interface import _NON_REST_MARKERS

    style = DocstringStyle.AUTO if _NON_REST_MARKERS.search(text or "") else DocstringStyle.REST
    try:
        ref = parse(text or "", style=style)
    except Exception as e:  # autoc raises what docstring_parser raises
        with pytest.raises(type(e), match=re.escape(str(e))):
            Docstring(text).short_description
        return
    d = Docstring(text)
    assert (d.short_description, d.long_description, d.input_descriptions, d.output_descriptions) == (
        ref.short_description, ref.long_description, {p.arg_name: p.description for p in ref.params},
        {r.return_name: r.description for r in ref.many_returns})
    if text in ("Sum.\n\n:param a: first\n:return: total", "Sum.\n\n    :param a: first\n"):
        assert d.input_descriptions == {"a": "first"}
        assert type(d._parsed).__name__ == "_Rest"  # read without docstring_parser


def test_random_rest_docstrings_read_as_docstring_parser_reads_them():
    import random

    from docstring_parser import DocstringStyle, parse

    pieces = ["Title", "", "  indented", ":param a: x", ":param int b: y", ":param c:", "  more", ":type a: int",
              ":rtype: str", ":rtype x: str", ":return: r", ":returns int: r", ":yields: z", ":raises E: e",
              ":param", "::", ": x: y", "text: colon", "    :param d: deep", "\t:param e: tab", "defaults to 3.",
              ":key k: v", ":param a: dup", ":arg x y z: w", ":returns a b: c"]
    rng = random.Random(7)
    for _ in range(2000):
        text = "\n".join(rng.choice(pieces) for _ in range(rng.randint(0, 7)))
        try:
            ref = parse(text, style=DocstringStyle.REST)
        except Exception as e:
            with pytest.raises(type(e)):
                Docstring(text).short_description
            continue
        d = Docstring(text)
        assert (d.short_description, d.long_description, d.input_descriptions, d.output_descriptions) == (
            ref.short_description, ref.long_description, {p.arg_name: p.description for p in ref.params},
            {r.return_name: r.description for r in ref.many_returns}), text
