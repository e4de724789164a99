"""The real Docker engine, registry and base image of the image tests (tests/image/conftest.py), for the test that
runs registered flytekit tasks in an image built by ``autoc build-image --sdk flytekit``."""

from tests.image.conftest import services  # noqa: F401 (a fixture)
