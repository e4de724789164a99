"""Test-only shim: autoc's core modules that examples import directly, as flytekit's."""
