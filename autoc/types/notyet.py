"""Classes flytekit writes with transformers of its own that autoc does not have yet (scikit-learn estimators,
PyTorch tensors and modules, Keras/TensorFlow models): refused with a clear error instead of travelling as a pickle
where flytekit writes its own blob. Registered the first time the engine meets such a class (the library is then
already imported by the user's module)."""

from __future__ import annotations

import importlib

from autoc.errors import TypeEngineError
from autoc.types import base


class NotYetTransformer(base.Transformer):
    def __init__(self, what: str, flytekit_format: str):
        self.name, self.what, self.flytekit_format = what, what, flytekit_format

    def literal_type(self, t):
        raise TypeEngineError(
            f"{base.type_name(t)}: flytekit writes {self.what} as its own '{self.flytekit_format}' blob, which autoc "
            f"does not implement yet", hint="serialize and register this project with pyflyte for now, or pass the "
                                            "value as a File you write yourself")


def _refuse(module: str, attr: str, what: str, fmt: str) -> None:
    cls = importlib.import_module(module)
    for part in attr.split("."):
        cls = getattr(cls, part)
    base.register(cls, NotYetTransformer(what, fmt))


def register_sklearn() -> None:
    _refuse("sklearn.base", "BaseEstimator", "scikit-learn estimators", "SklearnEstimator")


def register_torch_tensor() -> None:
    _refuse("torch", "Tensor", "PyTorch tensors", "PyTorchTensor")


def register_torch_module() -> None:
    _refuse("torch.nn", "Module", "PyTorch modules", "PyTorchModule")


def register_keras() -> None:
    _refuse("tensorflow", "keras.Model", "TensorFlow models", "TensorFlowModel")
