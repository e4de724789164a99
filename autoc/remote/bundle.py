"""The fast-registration code bundle: which files, why, a reproducible ``.tar.gz``, and its upload.

``auto`` copies the modules the tasks were loaded from; ``all`` copies the source root, less what
``.gitignore``, ``.dockerignore`` and ``.flyteignore`` exclude. The archive has sorted entries, fixed
mtimes, owners and modes, so the same tree gives the same bytes (and version) on any machine.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import os
from pathlib import Path
from typing import List, Sequence, Tuple

from autoc.errors import AutocError

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


def collect(root: Path, mode: str) -> Tuple[List[BundleFile], List[Tuple[str, str]]]:
    """(files to bundle with why, files left out with why) for ``mode`` ``auto`` or ``all``."""
    from autoc.core import sourcefiles

    if mode == "auto":
        kept, dropped = sourcefiles.loaded_modules(root), []
    else:
        kept, dropped = sourcefiles.all_files(root)
    return [BundleFile(rel, p, why) for rel, p, why in kept], dropped


def build(files: Sequence[BundleFile], max_bytes: int = DEFAULT_MAX_BYTES) -> Bundle:
    from autoc.serialize.write import archive_bytes

    data = archive_bytes([(f.arcname, f.path.read_bytes(), 0o755 if os.access(f.path, os.X_OK) else 0o644)
                          for f in files], mtime=FIXED_MTIME, compresslevel=6)
    if len(data) > max_bytes:
        top = sorted(files, key=lambda f: f.path.stat().st_size, reverse=True)[:5]
        biggest = ", ".join(f"{f.arcname} ({f.path.stat().st_size:,} B)" for f in top)
        raise AutocError(f"the code bundle is {len(data):,} bytes, over the limit of {max_bytes:,}",
                         hint=f"largest files: {biggest}; exclude them in .flyteignore, use --copy auto, or raise "
                              f"--max-bundle-size")
    return Bundle(tuple(files), data)


def upload_location(client, bundle: Bundle, project: str, domain: str):
    """CreateUploadLocation: where the bundle goes (``native_url``) and a signed URL to PUT it; writes nothing."""
    return client.call(client.dataproxy.CreateUploadLocation, location_request(bundle, project, domain))


def location_request(bundle: Bundle, project: str, domain: str):
    """The CreateUploadLocationRequest of :func:`upload_location`."""
    from flyteidl.service import dataproxy_pb2

    return dataproxy_pb2.CreateUploadLocationRequest(project=project, domain=domain, filename=bundle.name,
                                                     content_md5=bundle.md5, add_content_md5_metadata=True)


def upload(bundle: Bundle, resp) -> str:
    """HTTP PUT of the bundle to the signed URL of ``upload_location``, with Content-MD5; returns the native URL."""
    import urllib.error
    import urllib.request

    headers = {"Content-Length": str(len(bundle.data)), "Content-MD5": base64.b64encode(bundle.md5).decode()}
    headers.update(dict(resp.headers))
    if resp.native_url.startswith("abfs"):
        headers["x-ms-blob-type"] = "BlockBlob"
    put = urllib.request.Request(resp.signed_url, data=bundle.data, method="PUT", headers=headers)
    try:
        with urllib.request.urlopen(put, timeout=300) as r:
            if r.status not in (200, 201):
                raise AutocError(f"uploading the code bundle failed with HTTP {r.status}",
                                 hint="retry; or register without a bundle (--copy none) from an image holding the code")
    except urllib.error.HTTPError as e:
        raise AutocError(f"uploading the code bundle failed with HTTP {e.code}: {e.read()[:300]!r}",
                         hint="a 403 means the signed URL expired or was refused; retry, or use --copy none") from None
    except (urllib.error.URLError, OSError) as e:
        raise AutocError(f"uploading the code bundle failed: {e}", hint="is the signed URL reachable?") from None
    return resp.native_url
