"""Replacing the set of files in an output folder as a whole.

The new set is written into a sibling temporary folder (``.DIR.autoc-<pid>-<random>``, held under ``flock`` while
its run lives); files in DIR that are not autoc's are carried into it as hard links; then one
``renameat2(RENAME_EXCHANGE)`` swaps it with DIR. A reader, an interrupt or a second run sees the old set or the
new one, never a mix. Concurrent runs take turns on the parent folder's lock for the carry-and-swap step, so the
last one to swap wins whole. Where the kernel or filesystem cannot exchange (not Linux, DIR a mount point), the
files are moved in one by one instead, under the same lock and with SIGINT/SIGTERM held back until done (then
only a SIGKILL could leave a mix). A temporary folder left by a run that died is removed by the next run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Sequence, Tuple

from autoc.errors import Interrupted, UserInputError


@dataclasses.dataclass
class Swapped:
    removed: List[str]  # the files of the earlier set that the new set does not have
    leftovers: List[str]  # temporary folders of runs that did not finish, removed now


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _temp_prefix(name: str) -> str:
    return f".{name}.autoc-"


def replace_set(out_dir: str, entries: Sequence[Tuple[str, bytes]], ours: Callable[[str], bool]) -> Swapped:
    """Make ``out_dir`` hold exactly ``entries`` among the files ``ours`` claims; other files stay."""
    target = Path(out_dir)
    if target.exists() and not target.is_dir():
        raise UserInputError(f"output {out_dir} exists and is not a directory",
                             hint="pass -o a folder (it is created when missing)")
    real = Path(os.path.realpath(target))  # a link to a folder: the folder is replaced, the link stays
    parent = real.parent
    parent.mkdir(parents=True, exist_ok=True)
    leftovers = clean_leftovers(parent, real.name)
    tmp = Path(tempfile.mkdtemp(prefix=f"{_temp_prefix(real.name)}{os.getpid()}-", dir=parent))
    hold = _lock(tmp)
    swapped = interrupted = False
    try:
        os.chmod(tmp, (real.stat().st_mode if real.is_dir() else 0o777 & ~_umask()) & 0o7777)
        for name, data in entries:
            with open(tmp / name, "wb") as f:  # no fsync per file: the swap makes the set appear whole
                f.write(data)
        keep = {name for name, _ in entries}
        with _locked(parent), _signals_held():
            removed = _carry_over(real, tmp, keep, ours)
            swapped = _swap(tmp, real, keep, removed)
    except BaseException as e:
        if not swapped:
            _remove(tmp)
            os.close(hold)
            if isinstance(e, KeyboardInterrupt):
                raise Interrupted(f"interrupted before {out_dir} was replaced: it still holds the earlier set "
                                  f"(nothing of this run was written there)", hint="run the command again") from None
            raise
        if not isinstance(e, KeyboardInterrupt):
            os.close(hold)
            raise
        interrupted = True  # a signal held back during the swap arrives once it is done
    try:
        _remove(tmp)  # now the earlier set (or what an in-place update left)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        os.close(hold)
    if interrupted:
        raise Interrupted(f"interrupted after {out_dir} was replaced: it holds the whole new set; anything of the "
                          f"earlier set left in {tmp} is removed by the next run", hint="nothing to redo")
    return Swapped(sorted(removed), leftovers)


def clean_leftovers(parent: Path, name: str) -> List[str]:
    """Remove the temporary folders of earlier runs into ``parent/name`` that are no longer running."""
    removed = []
    prefix = _temp_prefix(name)
    for entry in os.scandir(parent):
        m = re.fullmatch(re.escape(prefix) + r"(\d+)-.*", entry.name)
        if not m or not entry.is_dir(follow_symlinks=False) or _alive(int(m.group(1))):
            continue
        try:
            fd = _lock(Path(entry.path), wait=False)
        except (BlockingIOError, FileNotFoundError):
            continue  # a live run in another PID namespace holds it, or it just went
        try:
            _remove(Path(entry.path))
        finally:
            os.close(fd)
        removed.append(entry.path)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _lock(path: Path, wait: bool = True) -> int:
    import fcntl

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BaseException:
        os.close(fd)
        raise
    return fd


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    fd = _lock(folder)
    try:
        yield
    finally:
        os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP wait until the block is done (then act as usual)."""
    import threading

    sigs = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _carry_over(real: Path, tmp: Path, keep: set, ours: Callable[[str], bool]) -> List[str]:
    """Hard-link what is not ours from ``real`` into ``tmp``; returns our files the new set drops."""
    removed: List[str] = []
    if not real.is_dir():
        return removed
    for entry in os.scandir(real):
        if entry.name in keep or entry.name.startswith(".autoc-"):  # (temporary folders of older autoc versions)
            continue
        if entry.is_file(follow_symlinks=False) and ours(entry.name):
            if entry.name not in keep:
                removed.append(entry.name)
        elif entry.is_dir(follow_symlinks=False):
            shutil.copytree(entry.path, tmp / entry.name, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(entry.path, str(tmp / entry.name))
    return removed


def _link_or_copy(src: str, dst: str) -> None:
    if os.path.islink(src):
        os.symlink(os.readlink(src), dst)
        return
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst)


def _swap(tmp: Path, real: Path, keep: set, removed: Sequence[str]) -> bool:
    """Put the set in ``tmp`` at ``real``; afterwards ``tmp`` holds what is to be deleted. True once swapped."""
    if not real.exists():
        os.rename(tmp, real)
        os.mkdir(tmp)  # so that the caller's clean-up has a folder to remove
        return True
    err = _exchange(tmp, real)
    if err == 0:
        return True
    if err not in (errno.EINVAL, errno.ENOSYS, errno.EBUSY, errno.EXDEV, errno.EPERM, errno.ENOTSUP):
        raise OSError(err, f"cannot swap {tmp} and {real}: {os.strerror(err)}")
    for name in sorted(keep):  # in place, with signals held
        os.replace(tmp / name, real / name)
    for name in removed:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(real / name)
    return True


def _exchange(a: Path, b: Path) -> int:
    """renameat2(a, b, RENAME_EXCHANGE): 0, or the errno (ENOSYS where there is no such call)."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return errno.ENOSYS
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return 0
    return ctypes.get_errno()


def _remove(folder: Path) -> None:
    def ignore_gone(func, path, exc_info):
        if not isinstance(exc_info[1], FileNotFoundError):
            raise exc_info[1]

    if folder.exists():
        shutil.rmtree(folder, onerror=ignore_gone)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def describe_removed(out_dir: str, removed: Sequence[str], limit: int = 5) -> Optional[str]:
    """The warning for files of the earlier set that the new one does not have."""
    if not removed:
        return None
    shown = ", ".join(removed[:limit]) + (f" and {len(removed) - limit} more" if len(removed) > limit else "")
    return (f"removed {len(removed)} .pb file(s) from {out_dir} that this run did not write (a task renamed or "
            f"gone since the earlier run): {shown}")
