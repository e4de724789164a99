"""File and Directory: values that travel as Blob literals (uploaded to the raw output prefix, downloaded
lazily on first use), wire-compatible with flytekit's FlyteFile and FlyteDirectory."""

from __future__ import annotations

import copy
import dataclasses
import functools
import os
import types
import typing
from typing import Any, Dict, Optional, Tuple

from flyteidl.core import types_pb2

from autoc.errors import TypeEngineError
from autoc.types import base


_FORMATS: Dict[Tuple[type, str], type] = {}


class FileExt:
    """A file format with a dot in it, for ``File[Annotated[str, FileExt("tar.gz")]]`` (flytekit's ``FileExt``)."""

    def __init__(self, ext: str):
        self._ext = ext

    def __str__(self) -> str:
        return self._ext

    __repr__ = __str__

    @staticmethod
    def check_and_convert_to_str(item: Any) -> str:
        """The format ``item`` names: ``Annotated[str, FileExt("tar.gz")]`` gives "tar.gz", anything else
        ``str(item)``."""
        if typing.get_origin(item) is not typing.Annotated:
            return str(item)
        inner, label = typing.get_args(item)[:2]
        if inner is not str:
            raise TypeEngineError(f"{item}: an Annotated file format must be Annotated[str, ...]",
                                  hint='e.g. Annotated[str, FileExt("tar.gz")]')
        return str(label)


def noop() -> None:
    """flytekit's do-nothing downloader (``File(path, downloader=noop)``: the path is used as it is)."""


class File(os.PathLike):
    """A file path that may live remotely. ``open()``, ``download()`` and ``os.fspath()`` fetch it on demand.

    ``File["csv"]`` declares a format (written into the Blob type).
    """

    _format = ""

    @classmethod
    def extension(cls) -> str:
        """The declared format (``File["csv"].extension() == "csv"``), "" for none, as flytekit's."""
        return cls._format

    def __init__(self, path: "str | os.PathLike", downloader: Optional[typing.Callable[[], Any]] = None,
                 remote_path: "str | os.PathLike | bool | None" = None, metadata: Optional[Dict[str, str]] = None,
                 *, remote_source: Optional[str] = None):
        """As flytekit's ``FlyteFile(path, downloader, remote_path, metadata)``: ``path`` local or a URL (then
        read on first use); ``downloader`` called instead of fetching ``remote_source`` on first use;
        ``remote_path`` where the file is uploaded when it becomes a literal (``False``: never uploaded, the literal
        names ``path`` itself); ``metadata`` the literal's metadata."""
        self.path = os.fspath(path)
        self._init(downloader, remote_path, remote_source)
        self.metadata = metadata
        if remote_source is None and self._is_remote(self.path):  # FlyteFile("s3://...") is read when it is opened
            self.remote_source, self._local_path, self._downloaded, self._downloader = self.path, None, False, None

    def _init(self, downloader, upload_to, remote_source) -> None:
        self.remote_source = remote_source
        self._downloader = downloader
        self._upload_to = os.fspath(upload_to) if isinstance(upload_to, os.PathLike) else upload_to
        self._local_path = self.path
        self._downloaded = remote_source is None and downloader is None

    _is_remote = staticmethod(lambda path: "://" in path and not path.startswith("file://"))

    @property
    def remote_path(self) -> "str | bool | None":
        """Where the file is uploaded to (``remote_path=``), as flytekit's."""
        return self._upload_to

    @property
    def _remote_source(self) -> Optional[str]:
        """flytekit's name of ``remote_source`` (the URL the value was read from)."""
        return self.remote_source

    @_remote_source.setter
    def _remote_source(self, uri: Optional[str]) -> None:
        self.remote_source = uri

    @property
    def downloaded(self) -> bool:
        return self._downloaded

    def __class_getitem__(cls, fmt: Any):
        """``File["csv"]``, ``File[typing.TypeVar("csv")]`` or ``File[Annotated[str, "csv"]]``: the same class for
        the same format, so ``File["csv"] is File["csv"]``."""
        if typing.get_origin(fmt) is typing.Annotated:
            fmt = FileExt.check_and_convert_to_str(fmt)
        name = (fmt.__name__ if isinstance(fmt, typing.TypeVar) else str(fmt)).strip().lstrip("~").lstrip(".")
        if fmt is None or not name:
            return cls
        key = (cls, name)
        if key not in _FORMATS:
            _FORMATS[key] = type(f"{cls.__name__}[{name}]", (cls,), {"_format": name, "__module__": cls.__module__})
        return _FORMATS[key]

    def download(self) -> str:
        if not self._downloaded:
            if self._downloader is not None:
                self._downloader()
            else:
                from autoc.runtime import storage

                if self._local_path is None:
                    name = os.path.basename(self.remote_source.rstrip("/")) or "data"
                    self._local_path = storage.current_file_access().new_local_path(name)
                storage.download(self.remote_source, self._local_path, recursive=self._recursive)
            self._downloaded = True
        return self._local_path

    _recursive = False

    def __fspath__(self) -> str:
        return self.download()

    def open(self, mode: str = "r", **kwargs):
        return open(self.download(), mode, **kwargs)

    def __eq__(self, other) -> bool:
        return isinstance(other, File) and (self.remote_source or self.path) == (other.remote_source or other.path)

    def __hash__(self) -> int:
        return hash(self.remote_source or self.path)

    def __repr__(self) -> str:
        src = f", remote_source={self.remote_source!r}" if self.remote_source else ""
        return f"{type(self).__name__}({self.path!r}{src})"

    # inside pydantic models: {"path": uri}, as flytekit writes FlyteFile and FlyteDirectory
    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        from autoc.types.reference_schema import reference_schema

        kind = "FlyteDirectory" if issubclass(cls, Directory) else "FlyteFile"
        # flytekit's File["csv"] and Directory["csv"] are classes of these names
        title = ("_SpecificFormatDirectoryClass" if kind == "FlyteDirectory" else "_SpecificFormatClass") \
            if cls._format else kind
        return reference_schema(cls, kind, _path_dict, _from_path_dict, title)


class Directory(File):
    """A directory that may live remotely; ``download()`` fetches all of it."""

    _recursive = True

    def __init__(self, path: "str | os.PathLike", downloader: Optional[typing.Callable[[], Any]] = None,
                 remote_directory: "str | os.PathLike | bool | None" = None, *, remote_source: Optional[str] = None):
        """As flytekit's ``FlyteDirectory(path, downloader, remote_directory)``: ``remote_directory`` is where the
        directory is uploaded when it becomes a literal (``False``: never uploaded)."""
        self.path = os.fspath(path)
        self.metadata = None
        self._init(downloader, remote_directory, remote_source)

    @property
    def remote_directory(self) -> "str | bool | None":
        return self._upload_to

    def listdir(self):
        return sorted(os.listdir(self.download()))


class _BlobTransformer(base.Transformer):
    def __init__(self, name: str, cls: type, dimensionality: int):
        self.name, self.cls, self.dimensionality = name, cls, dimensionality

    def _format(self, t) -> str:
        return getattr(t, "_format", "") or ""

    def literal_type(self, t):
        return types_pb2.LiteralType(blob=types_pb2.BlobType(format=self._format(t),
                                                             dimensionality=self.dimensionality))

    def to_literal(self, v: Any, t):
        from autoc.runtime import storage

        if isinstance(v, File) and isinstance(v, Directory) != (self.dimensionality == types_pb2.BlobType.MULTIPART):
            raise base.wrong_value(v, t)  # a Directory is no File and a File no Directory (flytekit's do not mix)
        upload_to = v._upload_to if isinstance(v, File) else None
        if isinstance(v, File) and v.remote_source is not None:
            uri = v.remote_source
        elif isinstance(v, (str, os.PathLike)):
            path = v.path if isinstance(v, File) else os.fspath(v)
            if storage.is_remote(path) or upload_to is False:  # (remote_path=False: the literal names the path)
                uri = path
            else:
                multipart = self.dimensionality == types_pb2.BlobType.MULTIPART
                if not (os.path.isdir(path) if multipart else os.path.isfile(path)):
                    kind = "directory" if multipart else "file"
                    raise TypeEngineError(f"{path} is not a {kind}", hint=f"return an existing {kind}")
                fa = storage.current_file_access()
                uri = upload_to or (fa.new_remote_path() if multipart else fa.new_remote_path(os.path.basename(path)))
                storage.upload(path, uri, recursive=multipart)
        else:
            raise base.wrong_value(v, t)
        lit = base.blob_literal(uri, self._format(t), self.dimensionality)
        if isinstance(v, File) and v.metadata:
            lit.metadata.update(v.metadata)
        return lit

    def to_python(self, lit, t):
        from autoc.runtime import storage

        blob = base.expect_blob(lit, t)
        uri = blob.uri
        if blob.metadata.type.dimensionality != self.dimensionality:  # (so Union[File, Directory] picks the right one)
            kind = "directory" if self.dimensionality == types_pb2.BlobType.MULTIPART else "file"
            raise TypeEngineError(f"{uri} is not a {kind}", hint=f"the literal's blob type says it is not a {kind}")
        cls = t if isinstance(t, type) and issubclass(t, File) else self.cls
        if not storage.is_remote(uri):
            out = cls(storage._local(uri))
        else:
            local = storage.current_file_access().new_local_path(os.path.basename(uri.rstrip("/")) or "data")
            out = cls(local, remote_source=uri)
        if lit.metadata and not issubclass(cls, Directory):
            out.metadata = dict(lit.metadata)
        return out


def _transformer(cls: type) -> "_BlobTransformer":
    return DIRECTORY if issubclass(cls, Directory) else FILE


def _path_dict(f: File) -> dict:
    return {"path": _transformer(type(f)).to_literal(f, type(f)).scalar.blob.uri}


def _from_path_dict(cls: type, d: dict) -> File:
    if not d.get("path"):
        raise ValueError(f"{cls.__name__} needs a 'path'")
    tr = _transformer(cls)
    return tr.to_python(base.blob_literal(str(d["path"]), tr._format(cls), tr.dimensionality), cls)


def paths_as_files(v: Any, t: Any) -> Any:
    """``v`` with every ``str`` (or ``os.PathLike``) given where ``t`` says File or Directory made one, as flytekit
    converts them: in dataclass fields, also inside Optional, lists and dict values (``v`` itself when nothing
    changes, which is also what a type without files gets)."""
    if typing.get_origin(t) is typing.Annotated:
        t = typing.get_args(t)[0]
    if isinstance(t, type) and issubclass(t, File):
        return t(v) if isinstance(v, (str, os.PathLike)) and not isinstance(v, File) else v
    if isinstance(t, type) and dataclasses.is_dataclass(t):
        if not dataclasses.is_dataclass(v) or not _has_paths(t):
            return v
        hints = typing.get_type_hints(t)
        changed = {f.name: paths_as_files(getattr(v, f.name), hints[f.name]) for f in dataclasses.fields(t)
                   if f.name in hints}
        changed = {k: x for k, x in changed.items() if x is not getattr(v, k)}
        if not changed:
            return v
        out = copy.copy(v)
        for k, x in changed.items():
            object.__setattr__(out, k, x)  # (frozen dataclasses too)
        return out
    args = typing.get_args(t)
    if not args or not _holds_paths(t):
        return v
    if typing.get_origin(t) in (typing.Union, types.UnionType):
        if v is None or isinstance(v, File):
            return v
        held = [a for a in args if a is not type(None) and _holds_paths(a)]
        return paths_as_files(v, held[0]) if held else v  # the first variant that holds paths (as flytekit)
    origin = typing.get_origin(t)
    if origin in (list, typing.List) and isinstance(v, list):
        return [paths_as_files(x, args[0]) for x in v]
    if origin in (dict, typing.Dict) and isinstance(v, dict) and len(args) == 2:
        return {k: paths_as_files(x, args[1]) for k, x in v.items()}
    return v


def _holds_paths(t: Any) -> bool:
    """Whether a File or Directory can sit somewhere in ``t`` (fields, Optional, list and dict values)."""
    if typing.get_origin(t) is typing.Annotated:
        t = typing.get_args(t)[0]
    if isinstance(t, type) and issubclass(t, File):
        return True
    if isinstance(t, type) and dataclasses.is_dataclass(t):
        return _has_paths(t)
    return any(_holds_paths(a) for a in typing.get_args(t))


@functools.lru_cache(maxsize=None)
def _has_paths(t: type) -> bool:
    try:
        return any(_holds_paths(h) for h in typing.get_type_hints(t).values())
    except Exception:  # annotations that do not resolve: the encoder will say so
        return False


base.BEFORE_ENCODE.append(paths_as_files)


#: flytekit's names for the same classes
FlyteFile, FlyteDirectory = File, Directory

# flytekit's typed aliases (flytekit.types.file / flytekit.types.directory): the blob format each one writes
HDF5EncodedFile = File["hdf5"]
HTMLPage = File["html"]
JoblibSerializedFile = File["joblib"]
JPEGImageFile = File["jpeg"]
PDFFile = File["pdf"]
PNGImageFile = File["png"]
PythonPickledFile = File["python_pickle"]
PythonNotebook = File["ipynb"]
SVGImageFile = File["svg"]
CSVFile = File["csv"]
ONNXFile = File["onnx"]
TFRecordFile = File["tfrecord"]
JSONLFile = File["jsonl"]
TensorboardLogs = Directory["tensorboard"]
TFRecordsDirectory = Directory["tfrecords_dir"]

FILE = _BlobTransformer("FlyteFilePath", File, types_pb2.BlobType.SINGLE)
DIRECTORY = _BlobTransformer("FlyteDirectory", Directory, types_pb2.BlobType.MULTIPART)


def register() -> None:
    """File, Directory and os.PathLike into the type registry: when this module is imported, and by the engine the
    first time it meets os.PathLike (``base.LAZY``), whatever was imported before."""
    base.register(File, FILE)
    base.register(Directory, DIRECTORY)
    base.register(os.PathLike, FILE)


register()
