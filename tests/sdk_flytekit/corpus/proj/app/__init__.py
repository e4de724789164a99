"""A flytekit project, unmodified: autoc --sdk flytekit must write what pyflyte writes."""
