"""Task classes as flytekit users subclass them: generic in their task config (``PythonInstanceTask[None]``)."""

import dataclasses
import typing

import pytest

from autoc import Interface, PythonAutoContainerTask, PythonFunctionTask, PythonInstanceTask, PythonTask, kwtypes


@dataclasses.dataclass
class MyConfig:
    level: int


@pytest.mark.parametrize("cls", [PythonTask, PythonAutoContainerTask, PythonInstanceTask, PythonFunctionTask])
def test_task_classes_are_generic_in_their_config(cls):
    alias = cls[MyConfig]
    assert typing.get_origin(alias) is cls and typing.get_args(alias) == (MyConfig,)


def test_subclass_of_a_subscripted_class_is_a_working_task():
    class Scale(PythonAutoContainerTask[MyConfig]):
        def __init__(self, name: str, task_config: MyConfig, **kwargs):
            super().__init__(name=name, task_config=task_config,
                             interface=Interface(inputs=kwtypes(x=int), outputs=kwtypes(o0=int)), **kwargs)

        def execute(self, **kwargs) -> typing.Any:
            return kwargs["x"] * self.task_config.level

    class Reverse(PythonInstanceTask[None]):
        def __init__(self, name: str, **kwargs):
            super().__init__(name=name, task_config=None,
                             interface=Interface(inputs=kwtypes(s=str), outputs=kwtypes(o0=str)), **kwargs)

        def execute(self, **kwargs) -> typing.Any:
            return kwargs["s"][::-1]

    scale = Scale(name="t.scale", task_config=MyConfig(level=3))
    assert isinstance(scale, PythonAutoContainerTask) and scale.task_config == MyConfig(3)
    assert scale(2) == 6 and scale(x=4) == 12
    assert Reverse(name="t.reverse")("abc") == "cba"
    assert typing.get_args(Scale.__orig_bases__[0]) == (MyConfig,)


def test_a_package_init_is_named_as_pyflyte_names_it(unique_pkg):
    """Tasks in pkg/sub/__init__.py are pkg.sub.__init__.<fn>; loading that module name gives the same objects."""
    import importlib
    import sys

    from autoc.core.tracker import import_spec_module, spec_module_name
    from autoc.resolvers import default_task_resolver

    root = unique_pkg({"sub/__init__.py": "from autoc import task\n\n@task\ndef f(a: int) -> int:\n    return a\n",
                       "sub/mod.py": "from autoc import task\n\n@task\ndef g(a: int) -> int:\n    return a\n"})
    sys.path.insert(0, str(root.parent))
    try:
        sub = importlib.import_module(f"{root.name}.sub")
        mod = importlib.import_module(f"{root.name}.sub.mod")
    finally:
        sys.path.remove(str(root.parent))
    assert spec_module_name(f"{root.name}.sub") == f"{root.name}.sub.__init__"
    assert spec_module_name(f"{root.name}.sub.mod") == f"{root.name}.sub.mod"
    assert sub.f.name == f"{root.name}.sub.__init__.f" and mod.g.name == f"{root.name}.sub.mod.g"
    args = default_task_resolver.loader_args(None, sub.f)
    assert args == ["task-module", f"{root.name}.sub.__init__", "task-name", "f"]
    assert default_task_resolver.load_task(args) is sub.f  # the package itself, not a second copy of its code
    assert import_spec_module(f"{root.name}.sub.__init__") is sub
    assert f"{root.name}.sub.__init__" not in sys.modules
