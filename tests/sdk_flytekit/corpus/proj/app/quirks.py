"""Where pyflyte's output is a bug autoc fixes, --sdk flytekit keeps pyflyte's output (and warns)."""

from flytekit import PythonInstanceTask, kwtypes, task
from flytekit.core.interface import Interface


def double(x: int) -> int:
    return 2 * x


doubled = task(double)  # pyflyte: named app.quirks.double and loaded as `double` (the plain function)


class Noop(PythonInstanceTask):
    def __init__(self, name: str, **kwargs):
        super().__init__(name=name, task_config=None, interface=Interface(inputs=kwtypes(x=int)), **kwargs)

    def execute(self, **kwargs):
        return None


zeta = Noop(name="app.quirks.noop")
alpha = zeta  # pyflyte loads the object by the alphabetically first of its names
