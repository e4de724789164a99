"""The flytekit face: ``imports`` answers flytekit's import paths during discovery, ``flavor`` writes what pyflyte
writes. See ``autoc.sdk``."""
