"""Ask a container registry whether an image exists (OCI distribution API), with Docker config credentials."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Dict, Optional, Tuple

_ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.docker.distribution.manifest.v2+json",
])


def split_reference(ref: str) -> Tuple[str, str, str]:
    """(registry host, repository, tag or digest) of an image reference; Docker Hub when there is no host."""
    name, sep, digest = ref.partition("@")
    if not sep:
        head, colon, tag = name.rpartition(":")
        if colon and "/" not in tag:
            name, digest = head, tag
        else:
            digest = "latest"
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first, rest, digest
    return "registry-1.docker.io", name if slash else f"library/{name}", digest


def _docker_auth(host: str) -> Optional[str]:
    cfg = os.path.join(os.environ.get("DOCKER_CONFIG", os.path.expanduser("~/.docker")), "config.json")
    try:
        with open(cfg) as f:
            auths: Dict = json.load(f).get("auths", {})
    except (OSError, ValueError):
        return None
    for key in (host, f"https://{host}", f"http://{host}"):
        if key in auths and auths[key].get("auth"):
            return auths[key]["auth"]
    return None


def image_exists(ref: str, timeout: float = 10.0) -> Optional[bool]:
    """True if the registry has the manifest, False on 404, None when it cannot be told (network, auth)."""
    return head_manifest(ref, timeout)[0]


_DIGESTS: Dict[str, str] = {}  # digests seen by earlier HEADs in this process: one request per skipped image


def manifest_digest(ref: str, timeout: float = 10.0) -> Optional[str]:
    return _DIGESTS.get(ref) or head_manifest(ref, timeout)[1]


def head_manifest(ref: str, timeout: float = 10.0) -> Tuple[Optional[bool], Optional[str]]:
    """(exists: True/False/None, digest) from ``HEAD /v2/<repo>/manifests/<tag>``."""
    host, repo, tag = split_reference(ref)
    local = host.startswith(("localhost", "127.")) or host.endswith(".localhost")
    url = f"{'http' if local else 'https'}://{host}/v2/{repo}/manifests/{tag}"
    headers = {"Accept": _ACCEPT}
    auth = _docker_auth(host)
    if auth:
        headers["Authorization"] = f"Basic {auth}"
    req = urllib.request.Request(url, method="HEAD", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            digest = resp.headers.get("Docker-Content-Digest")
            if digest:
                _DIGESTS[ref] = digest
            return 200 <= resp.status < 300, digest
    except urllib.error.HTTPError as e:
        return (False if e.code == 404 else None), None
    except (urllib.error.URLError, OSError, ValueError):
        return None, None
