"""Test-only shim: ``from autoc.testing import ...`` for pyflyte, as flytekit's names."""

from flytekit.testing import SecretsManager, patch, task_mock  # noqa: F401
