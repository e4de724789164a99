"""Task objects no module variable holds, found again by a ClassStorageTaskResolver and their index."""

from flytekit import PythonInstanceTask, kwtypes
from flytekit.core.class_based_resolver import ClassStorageTaskResolver
from flytekit.core.interface import Interface

resolver = ClassStorageTaskResolver()


class Scale(PythonInstanceTask):
    def __init__(self, factor: int):
        super().__init__(name=f"app.stored.scale{factor}", task_config=None, task_resolver=resolver,
                         interface=Interface(inputs=kwtypes(x=int), outputs=kwtypes(o0=int)))
        self.factor = factor
        resolver.add(self)

    def execute(self, x: int) -> int:
        return self.factor * x


scales = [Scale(f) for f in (2, 3)]
