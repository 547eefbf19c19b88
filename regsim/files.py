"""Where regsim may write, and writing there so that nothing is ever partial or destroyed.

The one atomic writer of the package lives here (:func:`atomic_write`, and :func:`staged_dir`
for a whole folder): every file is written under a temporary name in its own folder, flushed to
disk (``fsync``), renamed into place with ``os.replace`` and the folder entry flushed too; on any
error the temporary file or folder is removed and a disk or permission failure becomes one
:class:`OutputError` line. Files are created ``0666`` and folders ``0777``, both less the umask,
so a group can read results on a shared file system when the umask says so.

:func:`check_folder` and :func:`check_file` say before any work starts whether a path can take a
command's output: a folder may be new, empty, or one regsim wrote itself (the caller says how to
recognise it); the current folder, its parents, the home folder, a regular file given as a
folder, a path below a regular file and a folder that cannot be written are refused.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from regsim.errors import RegsimError

FILE_MODE = 0o666  # less the umask, as for any file a program creates
FOLDER_MODE = 0o777


class OutputError(RegsimError):
    """An output path that cannot or must not be written (the user can fix it)."""


def _reason(err: OSError) -> str:
    """A short human reason for an operating-system error."""
    if err.errno == errno.ENOSPC:
        return "the disk is full"
    if err.errno == errno.EDQUOT:
        return "the disk quota is exceeded"
    if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return "it is not writable (read-only or permission denied)"
    return err.strerror or str(err)


def _token() -> str:
    return os.urandom(4).hex()  # a unique name, without touching any random state


def _fsync_path(path: Path, directory: bool = False) -> None:
    """Flush a file's (or folder's) data to disk; folders on file systems that cannot are skipped."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    except OSError as err:
        if not directory or err.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def make_folders(folder: Path) -> None:
    """``mkdir -p`` with mode 0777 less the umask; an OS failure becomes an :class:`OutputError`."""
    try:
        folder.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    except OSError as err:
        raise OutputError(f"{folder}: cannot create this folder: {_reason(err)}") from None


def atomic_write(path: str | Path, write: Callable[[Path], object], exclusive: bool = False) -> Path | None:
    """Write a file all at once: ``write(temporary_path)``, fsync, rename into place, fsync the folder.

    Args:
        path: The file to (re)place; its folder is created if missing.
        write: Writes the complete content to the path it is given (a new empty file, mode
            0666 less the umask), e.g. ``lambda p: frame.to_parquet(p, index=False)``.
        exclusive: Create ``path`` only if it does not exist yet (``os.link`` of the finished
            temporary file, atomic even between processes): of two writers exactly one wins.

    Returns:
        ``path``; with ``exclusive``, None if ``path`` already existed (nothing was written).

    Raises:
        OutputError: if the disk is full, the folder is read-only, or another OS error stops the
            write; the temporary file is removed and ``path`` keeps its old content (or stays absent).
    """
    path = Path(path)
    make_folders(path.parent)
    tmp = path.parent / f".{path.name}.tmp-{_token()}"
    try:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
        write(tmp)
        _fsync_path(tmp)
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return None
            finally:
                tmp.unlink(missing_ok=True)
        else:
            os.replace(tmp, path)
        _fsync_path(path.parent, directory=True)
    except BaseException as err:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            raise OutputError(f"{path}: cannot write: {_reason(err)}; nothing was written") from None
        raise
    return path


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically (see :func:`atomic_write`)."""
    return write_bytes(path, text.encode("utf-8"))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def _missing_ancestors(path: Path) -> list[Path]:
    """The folders above ``path`` that do not exist yet, deepest first."""
    out = []
    parent = path.parent
    while not (parent.exists() or parent.is_symlink()) and parent != parent.parent:
        out.append(parent)
        parent = parent.parent
    return out


def _remove_empty(folders: list[Path]) -> None:
    """Remove folders this writer created, deepest first, while they are empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _owner() -> str:
    """This process on this host, as temporary folders name it: ``HOSTHASH.PID``."""
    host = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
    return f"{host}.{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _remove_stale_stages(target: Path) -> None:
    """Remove the temporary folders of ``target`` left by a process of this host that is gone (``kill -9``).

    Only folders named by :func:`staged_dir` for ``target`` with this host's hash and a process id
    that no longer runs; another host's (on a shared file system) are never touched.
    """
    host = _owner().split(".")[0]
    pattern = re.compile(rf"\.{re.escape(target.name)}\.tmp-{host}\.(\d+)-[0-9a-f]{{8}}")
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match and entry.is_dir() and not entry.is_symlink() and not _alive(int(match.group(1))):
            shutil.rmtree(entry, ignore_errors=True)


@contextlib.contextmanager
def staged_dir(target: str | Path, may_replace: Callable[[Path], bool]) -> Iterator[Path]:
    """A temporary folder next to ``target`` that becomes ``target`` when the block ends without error.

    Fill the yielded folder; on success its files and the folder are fsync'd and it is renamed to
    ``target``. An existing ``target`` is replaced only if it is empty or ``may_replace(target)``
    holds at that moment (it is checked again, in case the folder changed while the work ran); it
    is moved aside first and deleted only once the new folder is in place. On any error, or an
    interrupt, the temporary folder is removed and ``target`` is left as it was.

    Raises:
        OutputError: if ``target`` may not be replaced, or the disk is full or not writable.
    """
    target = Path(target)
    created = _missing_ancestors(target)
    make_folders(target.parent)
    _remove_stale_stages(target)
    tmp = target.parent / f".{target.name}.tmp-{_owner()}-{_token()}"
    try:
        os.mkdir(tmp, FOLDER_MODE)
    except OSError as err:
        _remove_empty(created)
        raise OutputError(f"{target.parent}: cannot write into this folder: {_reason(err)}") from None
    try:
        yield tmp
        for item in sorted(tmp.rglob("*")):
            _fsync_path(item, directory=item.is_dir())
        _fsync_path(tmp, directory=True)
        _put_in_place(tmp, target, may_replace)
    except BaseException as err:
        _remove(tmp)
        _remove_empty(created)
        if isinstance(err, OSError):
            raise OutputError(f"{target}: cannot write: {_reason(err)}; nothing was written") from None
        raise


def _put_in_place(tmp: Path, target: Path, may_replace: Callable[[Path], bool]) -> None:
    """Rename ``tmp`` to ``target``, moving a replaceable old ``target`` aside and deleting it after."""
    if target.is_symlink() or target.exists():
        if not (target.is_dir() and not target.is_symlink()):
            raise OutputError(f"{target}: is not a folder (it appeared while regsim worked); nothing was replaced")
        if any(target.iterdir()):
            if not may_replace(target):
                raise OutputError(f"{target}: changed while regsim worked and is no longer a regsim result; "
                                  "nothing was replaced")
            old = target.parent / f".{target.name}.old-{_token()}"
            os.replace(target, old)
            try:
                os.replace(tmp, target)
            except BaseException:
                os.replace(old, target)  # put the old result back
                raise
            _fsync_path(target.parent, directory=True)
            shutil.rmtree(old, ignore_errors=True)
            return
    os.replace(tmp, target)  # a missing or empty folder: one rename
    _fsync_path(target.parent, directory=True)


def _protected(path: Path) -> str | None:
    """Why ``path`` must never receive output as a whole, or None."""
    resolved = path.resolve()
    cwd = Path.cwd().resolve()
    if resolved == cwd:
        return "is the current folder"
    if resolved in cwd.parents:
        return "is a parent of the current folder"
    with contextlib.suppress(RuntimeError):  # no home folder known
        if resolved == Path.home().resolve():
            return "is the home folder"
    return None


def _holds_own_result(path: Path, is_ours: Callable[[Path], bool]) -> bool:
    """``path`` is a folder with visible content that regsim wrote (not merely an empty folder)."""
    try:
        return any(not p.name.startswith(".") for p in path.iterdir()) and is_ours(path)
    except OSError:
        return False


def _check_creatable(path: Path, option: str) -> None:
    """``path`` is absent: its nearest existing ancestor must be a folder regsim may write into."""
    ancestor = path.parent
    while not (ancestor.exists() or ancestor.is_symlink()) and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputError(f"{option} {path}: cannot be created because {ancestor} is a file, not a folder")
    _check_writable(ancestor, option, path)


def _check_writable(folder: Path, option: str, path: Path) -> None:
    """Refuse a folder that cannot take new entries: by its permissions, then by creating and removing one.

    The trial catches what permissions do not tell (``/proc``, a full or read-only mount for root).
    """
    where = "" if folder == path else f" (in {folder})"
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{option} {path}: cannot write here{where}: read-only or permission denied")
    probe = folder / f".regsim-probe-{_token()}"
    try:
        os.mkdir(probe, FOLDER_MODE)
        os.rmdir(probe)
    except OSError as err:
        raise OutputError(f"{option} {path}: cannot write here{where}: {_reason(err)}") from None


def check_writable(folder: str | Path, option: str) -> None:
    """Raise an :class:`OutputError` line unless files can be created in the existing ``folder``."""
    folder = Path(folder)
    if folder.is_dir():
        _check_writable(folder, option, folder)


def check_folder(path: str | Path, is_ours: Callable[[Path], bool], what: str, option: str = "--out",
                 replace: bool = False) -> None:
    """Raise an :class:`OutputError` line unless ``path`` can take a command's output folder.

    Allowed: a new folder (its parents are created), an empty folder, or a folder for which
    ``is_ours`` holds (a result regsim wrote before). Refused: the current folder, one of its
    parents, the home folder, a regular file, a path below a regular file, a folder holding
    anything else, and a place that cannot be written.

    Args:
        path: The output folder given by the user.
        is_ours: Whether an existing, non-empty folder is a result regsim may write into (or replace).
        what: What ``is_ours`` recognises, for the message, e.g. ``"a regsim run (run.json)"``.
        option: The command-line option named in messages.
        replace: The folder will be replaced as a whole (``regsim run``): a symbolic link is
            refused, and hidden entries count as content. Otherwise files are written into it and
            hidden entries (such as another writer's temporary files) are ignored.
    """
    path = Path(path)
    why = _protected(path)
    if why and (replace or not _holds_own_result(path, is_ours)):  # resuming in place is allowed
        raise OutputError(f"{option} {path}: {why}; regsim writes results only into a new or empty folder "
                          "or one of its own results, e.g. results/mine")
    if path.is_symlink() and replace:
        raise OutputError(f"{option} {path}: is a symbolic link; give the folder itself or a new folder")
    if not path.exists():
        if path.is_symlink():
            raise OutputError(f"{option} {path}: is a broken symbolic link")
        _check_creatable(path, option)
        return
    if not path.is_dir():
        raise OutputError(f"{option} {path}: is a file, not a folder; give a new or empty folder "
                          "(regsim never replaces a file with a folder)")
    try:
        entries = sorted(p.name for p in path.iterdir() if replace or not p.name.startswith("."))
    except OSError as err:
        raise OutputError(f"{option} {path}: cannot read this folder: {_reason(err)}") from None
    if entries and not is_ours(path):
        shown = ", ".join(repr(e) for e in entries[:3]) + (", ..." if len(entries) > 3 else "")
        raise OutputError(f"{option} {path}: holds files that are not {what} ({shown}); regsim never "
                          "deletes or mixes into other files; give a new or empty folder")
    _check_writable(path.parent if replace else path, option, path)


def check_file(path: str | Path, is_ours: Callable[[Path], bool], what: str, option: str) -> None:
    """Raise an :class:`OutputError` line unless ``path`` can take a file written by regsim.

    The file's folder must exist and be writable; an existing file is replaced only if
    ``is_ours`` holds (a file regsim wrote before, recognised by its content).
    """
    path = Path(path)
    folder = path.parent
    if path.is_dir():
        raise OutputError(f"{option} {path}: is a folder; give a file name")
    if not folder.is_dir():
        state = "is a file, not a folder" if folder.exists() else "does not exist"
        raise OutputError(f"{option} {path}: the folder {folder} {state}")
    if path.exists() and not is_ours(path):
        raise OutputError(f"{option} {path}: exists and is not {what}; regsim never replaces other files; "
                          "give a new file name")
    _check_writable(folder, option, path)


def write_files(folder: str | Path, writers: dict[str, Callable[[Path], object]],
                may_replace: Callable[[Path], bool]) -> None:
    """Write several files into ``folder``, each complete or not at all.

    A new or empty folder is filled as a whole (:func:`staged_dir`: all files appear together);
    into a folder that already holds regsim's files (``may_replace``) each file is written with
    :func:`atomic_write`.

    Args:
        folder: The output folder (checked beforehand with :func:`check_folder`).
        writers: File name -> a function writing the complete file to the path it is given.
        may_replace: Whether an existing non-empty ``folder`` holds only regsim's own files.
    """
    folder = Path(folder)
    if folder.is_dir() and any(folder.iterdir()):
        for name, write in writers.items():
            atomic_write(folder / name, write)
        return
    with staged_dir(folder, may_replace) as tmp:
        for name, write in writers.items():
            write(tmp / name)


def holds_only(names: set[str]) -> Callable[[Path], bool]:
    """A test for a folder whose visible entries are all among ``names`` (what one command writes)."""
    def test(folder: Path) -> bool:
        return all(p.name in names for p in folder.iterdir() if not p.name.startswith("."))
    return test


def check_command_folder(folder: str | Path, names: frozenset[str], command: str, option: str = "--out") -> None:
    """Refuse, before the work, an output folder holding anything but the files ``command`` writes.

    Args:
        folder: The output folder (new, empty, or holding only ``names``).
        names: The file names the command writes, e.g. ``{"validation.csv"}``.
        command: The command, for the message, e.g. ``"regsim validate"``.
        option: The command-line option named in messages.
    """
    check_folder(folder, holds_only(set(names)), f"what {command} writes ({', '.join(sorted(names))})", option)


def write_command_files(folder: str | Path, names: frozenset[str], writers: dict[str, Callable[[Path], object]]
                        ) -> None:
    """Write a command's files (``writers``, named among ``names``) into ``folder``, each complete or not at all."""
    write_files(folder, writers, holds_only(set(names)))


def write_csv(frame: Any, path: str | Path) -> Path:
    """Write a pandas table as CSV (without its index) atomically (see :func:`atomic_write`)."""
    return atomic_write(path, lambda p: frame.to_csv(p, index=False))
