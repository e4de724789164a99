"""A reproducible wheel of the running autoc, for images: the same code gives the same bytes, so Docker's layer
cache holds until autoc itself changes.

Built from the installed package (editable or not) and its distribution metadata, not by ``pip wheel``: no build
backend to run (about 25 s here), no timestamps, a fixed file order.
"""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path
from typing import List, Tuple

_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip file can hold: no build time in the bytes


def _metadata_headers(text: str) -> str:
    """METADATA without its long description (the README): it does not change the code."""
    head = text.split("\n\n", 1)[0]
    return head.rstrip("\n") + "\n"


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def package_files() -> List[Tuple[str, bytes]]:
    """(archive name, bytes) of autoc's modules and data, sorted; caches and compiled files left out."""
    import autoc

    root = Path(autoc.__file__).resolve().parent
    out = []
    for f in sorted(root.rglob("*")):
        rel = f.relative_to(root.parent).as_posix()
        if f.is_file() and "__pycache__" not in f.parts and f.suffix not in (".pyc", ".pyo"):
            out.append((rel, f.read_bytes()))
    return out


def build_autoc_wheel(directory: Path) -> Path:
    """Write ``autoc-<version>-py3-none-any.whl`` into ``directory`` and return its path."""
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("autoc")
    except PackageNotFoundError:
        from autoc.errors import ImageConfigError

        raise ImageConfigError("autoc is not installed as a distribution, so it cannot be put into the image",
                               hint="pip install autoc (or `pip install -e .` in its checkout)") from None
    version = dist.version
    info = f"autoc-{version}.dist-info"
    files = package_files()
    files.append((f"{info}/METADATA", _metadata_headers(dist.read_text("METADATA") or "").encode()))
    files.append((f"{info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: autoc\nRoot-Is-Purelib: true\n"
                                   b"Tag: py3-none-any\n"))
    entry_points = dist.read_text("entry_points.txt")
    if entry_points:
        files.append((f"{info}/entry_points.txt", entry_points.encode()))
    record = "\n".join(_record_line(n, d) for n, d in files) + f"\n{info}/RECORD,,\n"
    files.append((f"{info}/RECORD", record.encode()))
    path = Path(directory) / f"autoc-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for name, data in files:
            zi = zipfile.ZipInfo(name, date_time=_EPOCH)
            zi.external_attr = 0o644 << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(zi, data, compresslevel=6)
    return path
