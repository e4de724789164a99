"""``pyflyte register``'s code bundle and default version, so that ``autoc register --sdk flytekit`` and
``pyflyte register`` upload the same archive, point the specs at the same place and register the same version
(either tool re-run after the other finds everything unchanged).

The bundle is flytekit's ``fast_package``: the files of ``ls_files`` (``all``: the source root less git's, docker's,
flyte's and the standard ignores; ``auto``: the loaded modules), an uncompressed tar of them with fixed attributes,
gzipped with mtime 0, named ``fast<md5 of the file list>.tar.gz``. The version is ``_version_from_hash``: md5 of the
archive's md5, flytekit's SerializationSettings JSON, the flytekit version, and each task's ImageSpec name and pod
template hash.
"""

from __future__ import annotations

import dataclasses
import datetime
import fnmatch
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import List, Optional

from autoc.remote.bundle import Bundle, BundleFile
from autoc.sdk.flytekit.image import _update, loaded_module_files

STANDARD_IGNORE = ("*.pyc", ".cache", ".cache/*", "__pycache__/*", "**/__pycache__/*")
_TAR_MTIME = datetime.datetime(1980, 1, 1, tzinfo=datetime.timezone.utc).timestamp()


@dataclasses.dataclass(frozen=True)
class FlytekitBundle(Bundle):
    """A bundle named as flytekit names it: by the digest of its file list, not of the archive."""

    digest: str = ""

    @property
    def name(self) -> str:
        return f"fast{self.digest}.tar.gz"


class _Ignores:
    """flytekit's IgnoreGroup for ``--copy all``: git's ignored files, .dockerignore, .flyteignore, the standard
    patterns."""

    def __init__(self, root: str):
        self.root = root
        self.git_files = self._git()  # flytekit also lists ignored directories, which only matter for directories
        patterns = [p for p in (self._patterns(n) for n in (".dockerignore", ".flyteignore")) if p]
        self.matchers = []
        if patterns:  # docker's PatternMatcher, as flytekit uses (imported only when there are patterns)
            from docker.utils.build import PatternMatcher

            self.matchers = [PatternMatcher(p) for p in patterns]

    def _git(self) -> set:
        """``git ls-files -io --exclude-standard`` in the root; nothing outside a git work tree (git would fail)."""
        root = Path(self.root)
        if shutil.which("git") is None or not any((d / ".git").exists() for d in [root, *root.parents]):
            return set()
        out = subprocess.run(["git", "ls-files", "-io", "--exclude-standard"], cwd=self.root, capture_output=True)
        return set(out.stdout.decode("utf-8").split("\n")[:-1]) if out.returncode == 0 else set()

    def _patterns(self, name: str) -> List[str]:
        p = os.path.join(self.root, name)
        if not os.path.isfile(p):
            return []
        with open(p) as f:
            return [line.strip() for line in f.readlines() if line and not line.startswith("#")]

    def ignored(self, path: str) -> bool:
        rel = os.path.relpath(path, self.root) if os.path.isabs(path) else path
        if Path(rel).as_posix() in self.git_files:
            return True
        return any(m.matches(rel) for m in self.matchers) or any(fnmatch.fnmatch(rel, p) for p in STANDARD_IGNORE)


def list_files(root: str, copy: str) -> List[str]:
    """The absolute paths ``ls_files`` gives for ``copy`` (``all`` or ``auto``), sorted."""
    if copy == "auto":
        return loaded_module_files(root)
    ignore = _Ignores(root)
    out = []
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x != ".git"]
        for fn in sorted(files):
            full = os.path.join(d, fn)
            if os.path.exists(full) and not ignore.ignored(full):
                out.append(full)
    return sorted(out)


def _strip(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mtime = _TAR_MTIME
    info.uid, info.uname, info.gid, info.gname = 0, "", 0, ""
    info.pax_headers = {}
    return info


def fast_package(source_root: Path, copy: str, loaded: Optional[List[str]] = None) -> FlytekitBundle:
    """flytekit's ``fast_package(root, options=FastPackageOptions([], copy_style))``, in memory. ``loaded``: the
    files of the modules loaded (``--copy auto``) when another interpreter loaded them."""
    root = str(source_root)
    files = sorted(loaded) if copy == "auto" and loaded is not None else list_files(root, copy)
    h = hashlib.md5()
    for f in files:
        _update(h, f, os.path.relpath(f, root))
    digest = h.hexdigest()
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for f in files:
            tar.add(f, recursive=False, arcname=os.path.relpath(f, root), filter=_strip)
    out = io.BytesIO()
    with gzip.GzipFile(filename=f"fast{digest}.tar.gz", mode="wb", fileobj=out, mtime=0) as gz:
        gz.write(raw.getvalue())
    kept = tuple(BundleFile(os.path.relpath(f, root), Path(f), f"--copy {copy}") for f in files)
    return FlytekitBundle(kept, out.getvalue(), digest)


def git_repo(source_root: Path) -> str:
    """``remote.origin.url`` of the source root's own ``.git/config``, shortened as flytekit shortens it."""
    import configparser

    cfg = Path(source_root) / ".git" / "config"
    try:
        parser = configparser.ConfigParser()
        parser.read(cfg)
        url = parser['remote "origin"']["url"]
    except (KeyError, configparser.Error, OSError):
        return ""
    if url.startswith("git@"):
        return url[len("git@"):-len(".git")].replace(":", "/")
    for scheme in ("https://", "http://"):
        if url.startswith(scheme):
            return url[len(scheme):]
    return ""


def _settings_json(settings, source_root: Path) -> str:
    """flytekit's ``SerializationSettings.to_json()`` as ``pyflyte register`` builds the settings."""
    def image(i):
        return {"name": i.name, "fqn": i.fqn, "tag": i.tag, "digest": i.digest}

    cfg = settings.image_config
    images = [cfg.default_image] + [i for i in (cfg.images or []) if i.name != cfg.default_image.name]
    empty = {"cpu": None, "mem": None, "gpu": None, "ephemeral_storage": None}
    fss = settings.fast_serialization_settings
    return json.dumps({
        "image_config": {"default_image": image(cfg.default_image), "images": [image(i) for i in images]},
        "project": settings.project, "domain": settings.domain, "version": None, "env": settings.env,
        "default_resources": {"requests": empty, "limits": dict(empty)}, "git_repo": git_repo(source_root),
        "python_interpreter": settings.python_interpreter,
        "flytekit_virtualenv_root": settings.flytekit_virtualenv_root,
        "fast_serialization_settings": {"enabled": fss.enabled, "destination_dir": fss.destination_dir,
                                        "distribution_location": fss.distribution_location},
        "source_root": str(source_root),
    })


def pod_template_hash(pt) -> str:
    """flytekit's ``PodTemplate.version_hash()``: sha256 of the sorted-key JSON of the Kubernetes objects' own
    ``to_dict()`` (snake_case, None kept)."""
    spec = pt.pod_spec
    if isinstance(spec, dict) and spec == {"containers": []}:  # autoc's form of pod_spec=None
        try:
            from kubernetes.client import V1PodSpec

            spec = V1PodSpec(containers=[])
        except ImportError:
            pass

    def walk(o):
        if hasattr(o, "to_dict"):
            d = o.to_dict()
            if type(o).__name__ == "V1Container" and hasattr(getattr(o, "image", None), "image_name"):
                d["image"] = o.image.image_name()
            return {k: walk(v) for k, v in d.items()}
        if isinstance(o, list):
            return [walk(x) for x in o]
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items()}
        return o

    data = {"pod_spec": walk(spec), "primary_container_name": pt.primary_container_name, "labels": pt.labels,
            "annotations": pt.annotations}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()


def version(bundle_md5: bytes, settings, source_root: Path, tasks, sdk_version: str,
            raw_data_prefix: Optional[str] = "") -> str:
    """flytekit's ``FlyteRemote._version_from_hash`` as ``pyflyte register`` calls it (no service account)."""
    import base64

    from autoc.image.spec import ImageSpec

    h = hashlib.md5(bundle_md5)
    h.update(_settings_json(settings, source_root).encode("utf-8"))
    h.update(sdk_version.encode("utf-8"))
    h.update((raw_data_prefix or "").encode("utf-8"))
    for t in tasks:
        if isinstance(getattr(t, "container_image", None), ImageSpec):
            h.update(t.container_image.image_name().encode("utf-8"))
        if getattr(t, "pod_template", None) is not None:
            h.update(pod_template_hash(t.pod_template).encode("utf-8"))
    return base64.urlsafe_b64encode(h.digest()).decode("ascii").rstrip("=")
