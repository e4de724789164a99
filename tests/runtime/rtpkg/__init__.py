"""Tasks used by the runtime tests (run by ``autoc execute`` in a subprocess with this folder's parent as cwd)."""
