"""Safe extraction of a code bundle (``.tar.gz``) into ``--dest-dir``, by autoc's own checks on every Python.

``tarfile.data_filter`` is missing on Python 3.10.0-3.10.11 and 3.11.0-3.11.3, which ``requires-python`` accepts,
and checks made on names alone miss chains of links (``s/t/u -> ..``, ``k -> s/t/u/../..``, then ``k/FILE``). So
nothing here trusts a path: every file and folder is created by walking the destination one component at a
time with ``O_NOFOLLOW`` (no write ever passes through a link, whatever the archive's order), members are only
regular files, folders, symbolic links and hard links to earlier files (copied, never linked), and once all are
in place every symbolic link must resolve inside the destination. Absolute names, ``..``, device files and
FIFOs are refused before anything is written.
"""

from __future__ import annotations

import os
import posixpath
from typing import Dict, List

_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)


class UnsafeArchive(Exception):
    """The archive holds a member that could write or point outside the destination (or is not an archive)."""


def _parts(name: str, what: str) -> List[str]:
    """The components of a member's name, refused when absolute or when any of them is ``..``."""
    if "\x00" in name:
        raise UnsafeArchive(f"{what} {name!r} has a NUL byte")
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchive(f"{what} {name!r} is an absolute path")
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        raise UnsafeArchive(f"{what} {name!r} leaves the destination ('..')")
    return parts


def check_members(members) -> None:
    """Refuse, before anything is written, what no check at extraction time could make safe."""
    files = set()
    for m in members:
        parts = _parts(m.name, "member")
        if not (m.isfile() or m.isdir() or m.issym() or m.islnk()):
            raise UnsafeArchive(f"member {m.name!r} is a device file or FIFO")
        if m.issym():
            if m.linkname.startswith("/") or not m.linkname:
                raise UnsafeArchive(f"link {m.name!r} points to an absolute path {m.linkname!r}")
            target = posixpath.normpath(posixpath.join("/".join(parts[:-1]), m.linkname))
            if target == ".." or target.startswith("../"):
                raise UnsafeArchive(f"link {m.name!r} -> {m.linkname!r} points outside the destination")
        if m.islnk() and "/".join(_parts(m.linkname, "hard link target")) not in files:
            raise UnsafeArchive(f"hard link {m.name!r} -> {m.linkname!r} is not to an earlier file of the archive")
        if m.isfile():
            files.add("/".join(parts))


def _open_dir(root_fd: int, parts: List[str], create: bool) -> int:
    """A descriptor of the folder ``parts`` under ``root_fd``, walked without following any link."""
    fd = os.dup(root_fd)
    try:
        for p in parts:
            if create:
                try:
                    os.mkdir(p, 0o755, dir_fd=fd)
                except FileExistsError:
                    pass
            try:
                nxt = os.open(p, _DIR_FLAGS, dir_fd=fd)
            except OSError as e:
                raise UnsafeArchive(f"{'/'.join(parts)}: {p!r} is a link or not a folder; no member may be "
                                    f"written through it ({e.strerror})") from None
            os.close(fd)
            fd = nxt
        return fd
    except BaseException:
        os.close(fd)
        raise


def _remove_entry(dir_fd: int, name: str) -> None:
    """Make room for a member: an earlier file or link of that name goes (a folder stays)."""
    try:
        os.unlink(name, dir_fd=dir_fd)
    except FileNotFoundError:
        pass
    except (IsADirectoryError, PermissionError):
        raise UnsafeArchive(f"member {name!r} would replace a folder") from None


def _write_file(dir_fd: int, name: str, data: bytes, mode: int, mtime: float) -> None:
    _remove_entry(dir_fd, name)
    fd = os.open(name, _FILE_FLAGS, mode & 0o755 | 0o600, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb", closefd=False) as f:
            f.write(data)
        os.utime(fd, (mtime, mtime))
    finally:
        os.close(fd)


def extract(archive: str, dest: str) -> List[str]:
    """Extract ``archive`` into ``dest`` safely; returns the member names written. Raises UnsafeArchive."""
    import tarfile
    import zlib

    try:
        tar = tarfile.open(archive, "r:*")
    except (tarfile.TarError, EOFError, OSError, ValueError) as e:
        raise UnsafeArchive(f"{archive} is not a readable .tar.gz: {e}") from None
    with tar:
        try:
            members = tar.getmembers()
        except (tarfile.TarError, EOFError, OSError, ValueError, UnicodeError) as e:
            raise UnsafeArchive(f"{archive} is corrupt or truncated: {e}") from None
        check_members(members)
        os.makedirs(dest, exist_ok=True)
        root_fd = os.open(dest, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        written, data_of, links = [], {}, []  # type: List[str], Dict[str, bytes], List[str]
        try:
            for m in members:
                parts = _parts(m.name, "member")
                if not parts:
                    continue
                key = "/".join(parts)
                if m.isdir():
                    os.close(_open_dir(root_fd, parts, create=True))
                    written.append(key)
                    continue
                dir_fd = _open_dir(root_fd, parts[:-1], create=True)
                try:
                    if m.issym():
                        _remove_entry(dir_fd, parts[-1])
                        os.symlink(m.linkname, parts[-1], dir_fd=dir_fd)
                        links.append(key)
                    else:
                        if m.islnk():
                            data = data_of["/".join(_parts(m.linkname, "hard link target"))]
                        else:
                            try:
                                data = tar.extractfile(m).read()
                            except (tarfile.TarError, EOFError, OSError, ValueError, zlib.error) as e:
                                raise UnsafeArchive(f"{archive} is corrupt or truncated at {m.name!r}: {e}") \
                                    from None
                            data_of[key] = data
                        _write_file(dir_fd, parts[-1], data, m.mode, m.mtime)
                    written.append(key)
                finally:
                    os.close(dir_fd)
        except UnsafeArchive:
            _remove_links_out(dest, links)
            raise
        finally:
            os.close(root_fd)
        bad = _remove_links_out(dest, links)
        if bad:
            raise UnsafeArchive(f"link {bad[0]!r} resolves outside the destination ({len(bad)} such link(s), "
                                f"removed)")
        return written


def _remove_links_out(dest: str, links: List[str]) -> List[str]:
    """With every member in place (nothing later can change what they resolve to), each symbolic link must
    resolve inside ``dest``: those that do not are removed and returned."""
    root = os.path.realpath(dest)
    bad = []
    for key in links:
        resolved = os.path.realpath(os.path.join(root, key))
        if not (resolved == root or resolved.startswith(root + os.sep)):
            bad.append(key)
    for key in bad:
        try:
            os.unlink(os.path.join(root, key))
        except OSError:
            pass
    return bad
