"""The fast-registration code bundle: which files, why, a reproducible ``.tar.gz``, and its upload.

``auto`` copies the modules the tasks were loaded from; ``all`` copies the source root, less what
``.gitignore``, ``.dockerignore`` and ``.flyteignore`` exclude. The archive has sorted entries, fixed
mtimes, owners and modes, so the same tree gives the same bytes (and version) on any machine.
"""

from __future__ import annotations

import base64
import dataclasses
import fnmatch
import gzip
import hashlib
import io
import os
import sys
import tarfile
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from autoc.errors import AutocError

IGNORE_FILES = (".gitignore", ".dockerignore", ".flyteignore")
_ALWAYS_SKIPPED = {".git", "__pycache__", ".venv", ".mypy_cache", ".pytest_cache", ".oracle-venv"}
FIXED_MTIME = 315532800  # 1980-01-01, as flytekit writes
DEFAULT_MAX_BYTES = 50 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class BundleFile:
    arcname: str
    path: Path
    reason: str


@dataclasses.dataclass(frozen=True)
class Bundle:
    files: Tuple[BundleFile, ...]
    data: bytes

    @property
    def md5(self) -> bytes:
        return hashlib.md5(self.data).digest()

    @property
    def name(self) -> str:
        return f"fast{self.md5.hex()}.tar.gz"


class Ignore:
    """The patterns of the ignore files at the source root (gitignore-style: ``*``, ``dir/``, ``/anchored``, ``!``)."""

    def __init__(self, root: Path):
        self.rules: List[Tuple[str, str, bool]] = []  # (file, pattern, negated)
        for name in IGNORE_FILES:
            p = root / name
            if p.is_file():
                for line in p.read_text().splitlines():
                    line = line.strip()
                    if line and not line.startswith("#"):
                        neg = line.startswith("!")
                        self.rules.append((name, line[1:] if neg else line, neg))

    def match(self, rel: str, is_dir: bool) -> Optional[str]:
        """The rule (``file: pattern``) that excludes ``rel``, or None."""
        verdict = None
        for src, pat, neg in self.rules:
            if pat.endswith("/") and not is_dir:
                # a directory pattern excludes files below a matching directory
                if not any(self._hit(pat.rstrip("/"), "/".join(rel.split("/")[:i]))
                           for i in range(1, rel.count("/") + 1)):
                    continue
            elif not self._hit(pat.rstrip("/"), rel):
                continue
            verdict = None if neg else f"{src}: {pat}"
        return verdict

    @staticmethod
    def _hit(pat: str, rel: str) -> bool:
        if pat.startswith("/"):
            return fnmatch.fnmatch(rel, pat[1:])
        if "/" in pat.strip("/"):
            return fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(rel, "*/" + pat)
        return any(fnmatch.fnmatch(part, pat) for part in rel.split("/"))


def collect(root: Path, mode: str) -> Tuple[List[BundleFile], List[Tuple[str, str]]]:
    """(files to bundle with why, files left out with why) for ``mode`` ``auto`` or ``all``."""
    root = root.resolve()
    kept: List[BundleFile] = []
    dropped: List[Tuple[str, str]] = []
    if mode == "auto":
        for name, m in sorted(sys.modules.items()):
            f = getattr(m, "__file__", None)
            if not f:
                continue
            p = Path(f).resolve()
            if p.is_file() and root in p.parents and "site-packages" not in p.parts:
                kept.append(BundleFile(p.relative_to(root).as_posix(), p, f"loaded module {name}"))
    else:
        ignore = Ignore(root)
        for dirpath, dirnames, filenames in os.walk(root):
            rel_dir = Path(dirpath).relative_to(root).as_posix()
            for d in sorted(dirnames):
                rel = f"{rel_dir}/{d}".lstrip("./") if rel_dir != "." else d
                why = "always skipped" if d in _ALWAYS_SKIPPED else ignore.match(rel, True)
                if why:
                    dropped.append((rel + "/", why))
                    dirnames.remove(d)
            for fn in sorted(filenames):
                rel = fn if rel_dir == "." else f"{rel_dir}/{fn}"
                p = Path(dirpath) / fn
                why = "compiled file" if fn.endswith((".pyc", ".pyo")) else ignore.match(rel, False)
                if why is None and (p.is_symlink() or not p.is_file()):
                    why = "not a regular file"
                if why:
                    dropped.append((rel, why))
                else:
                    kept.append(BundleFile(rel, p, "in the source root"))
    kept.sort(key=lambda f: f.arcname)
    return kept, dropped


def build(files: Sequence[BundleFile], max_bytes: int = DEFAULT_MAX_BYTES) -> Bundle:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for f in files:
            data = f.path.read_bytes()
            info = tarfile.TarInfo(f.arcname)
            info.size, info.mtime = len(data), FIXED_MTIME
            info.mode = 0o755 if os.access(f.path, os.X_OK) else 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    data = gzip.compress(raw.getvalue(), compresslevel=6, mtime=0)
    if len(data) > max_bytes:
        top = sorted(files, key=lambda f: f.path.stat().st_size, reverse=True)[:5]
        biggest = ", ".join(f"{f.arcname} ({f.path.stat().st_size:,} B)" for f in top)
        raise AutocError(f"the code bundle is {len(data):,} bytes, over the limit of {max_bytes:,}",
                         hint=f"largest files: {biggest}; exclude them in .flyteignore, use --copy auto, or raise "
                              f"--max-bundle-size")
    return Bundle(tuple(files), data)


def upload(client, bundle: Bundle, project: str, domain: str) -> str:
    """CreateUploadLocation, then HTTP PUT with Content-MD5; returns the bundle's native URL."""
    import urllib.error
    import urllib.request

    from flyteidl.service import dataproxy_pb2

    req = dataproxy_pb2.CreateUploadLocationRequest(project=project, domain=domain, filename=bundle.name,
                                                   content_md5=bundle.md5, add_content_md5_metadata=True)
    resp = client.call(client.dataproxy.CreateUploadLocation, req)
    headers = {"Content-Length": str(len(bundle.data)), "Content-MD5": base64.b64encode(bundle.md5).decode()}
    headers.update(dict(resp.headers))
    if resp.native_url.startswith("abfs"):
        headers["x-ms-blob-type"] = "BlockBlob"
    put = urllib.request.Request(resp.signed_url, data=bundle.data, method="PUT", headers=headers)
    try:
        with urllib.request.urlopen(put, timeout=300) as r:
            if r.status not in (200, 201):
                raise AutocError(f"uploading the code bundle failed with HTTP {r.status}")
    except urllib.error.HTTPError as e:
        raise AutocError(f"uploading the code bundle failed with HTTP {e.code}: {e.read()[:300]!r}") from None
    except (urllib.error.URLError, OSError) as e:
        raise AutocError(f"uploading the code bundle failed: {e}", hint="is the signed URL reachable?") from None
    return resp.native_url
