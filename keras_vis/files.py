"""Writing files safely: every file the project writes goes through a temporary file beside
it, is flushed to disk (fsync) and replaces the target in one ``os.replace``.

A reader sees the old file or the new one, never half of it; a failed or killed write leaves the
old file as it was and removes its temporary file. The rename itself is made durable by an fsync
of the folder. Text goes through ``write_text``; a writer that wants a path of its own
(``np.save``, ``keras.Model.save``, matplotlib) writes inside ``atomic_path``. ``check_writable``
is the check done before long work, so a read-only destination fails at once.

Example:
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "note.txt")
>>> write_text(path, "hello\\n")
>>> with atomic_path(path) as partial:
...     _ = partial.write_text("bye\\n")
>>> open(path).read()
'bye\\n'
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import uuid
from pathlib import Path
from typing import Iterator

from keras_vis.errors import DataError, KerasVisError

# Temporary files are ".<name>.<pid>-<random>.tmp<suffix>": hidden, and found by
# ``remove_temporaries`` after a killed writer.
_TEMPORARY_MARK = ".tmp"


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; when the block ends without an exception, the
    file written there is flushed and replaces ``path`` (which keeps its mode).

    ``suffix`` ends the temporary name, for writers that insist on one (``.keras``, ``.npy``).
    A block that writes nothing leaves ``path`` as it is. On any exception (a full disk, a
    KeyboardInterrupt) the temporary file is removed and ``path`` is untouched. A ``path`` that
    is a symbolic link is written through to the file it points to, as ``open(path, "w")``
    would: the link stays, and what it points to gets the new content.
    """
    target = Path(os.path.realpath(path)) if os.path.islink(path) else Path(path)
    temporary = target.with_name(
        f".{target.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}{_TEMPORARY_MARK}{suffix}"
    )
    try:
        yield temporary
        if temporary.exists():
            replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def replace(temporary: str | os.PathLike, path: str | os.PathLike) -> None:
    """Flush ``temporary`` to disk and rename it over ``path`` (keeping ``path``'s mode), then
    flush the folder so that the rename survives a power cut."""
    if os.path.exists(path):
        os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))
    descriptor = os.open(temporary, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(temporary, path)
    _sync_folder(os.path.dirname(os.path.abspath(path)))


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; raises ``KerasVisError`` naming ``path`` when the
    write fails (the old file is then unchanged)."""
    try:
        with atomic_path(path) as partial:
            partial.write_bytes(data)
    except OSError as error:
        raise KerasVisError(f"{path}: could not write ({error}); the file is unchanged") from error


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` as UTF-8 to ``path`` atomically, line endings as given."""
    write_bytes(path, text.encode("utf-8"))


# A name the project turns into a folder or file name (an experiment's): one path component.
SAFE_NAME = re.compile(r"[A-Za-z0-9._+=-]+")


def is_safe_name(name: object) -> bool:
    """Whether ``name`` is one harmless path component: letters, digits and ``-_.+=``, not
    ``.`` or ``..``. Anything else (a slash, ``..``, an absolute path) could point outside."""
    return isinstance(name, str) and bool(SAFE_NAME.fullmatch(name)) and name not in (".", "..")


def inside(folder: str | os.PathLike, *parts: str) -> Path:
    """``folder/parts...``; ``DataError`` when that resolves outside ``folder`` (a ``..``, an
    absolute part, a symbolic link that leads out): every file the project writes lies in the
    folder it was told."""
    path = Path(folder).joinpath(*parts)
    base = os.path.realpath(folder)
    if os.path.commonpath([base, os.path.realpath(path)]) != base:
        raise DataError(f"{path}: lies outside {folder}; refusing to write there")
    return path


def remove_temporaries(folder: str | os.PathLike) -> None:
    """Remove the temporary files that killed writers left in ``folder``. Only for a folder no
    live writer uses (held under a lock)."""
    for path in Path(folder).glob(f".*{_TEMPORARY_MARK}*"):
        path.unlink(missing_ok=True)


def _sync_folder(folder: str) -> None:
    # Not every platform can open a folder: there the rename is as durable as the OS makes it.
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def check_writable(path: str | os.PathLike, what: str = "file") -> None:
    """Raise ``DataError`` naming ``path`` when it, or the folder it is (or would be) written
    in, is read-only, or when a file stands where a folder must be (``what`` naming a
    folder, or a file in the middle of the path).

    Judged by the mode bits, not only ``os.access``: root may write anything, but a file or
    folder made read-only (``chmod a-w``) means "do not change this", and root must honour that
    too. A file is replaced through a temporary file in its folder, so both must be writable;
    a missing path needs its nearest existing folder to be.
    """
    path = os.path.abspath(os.fspath(path))
    probe = path
    while not os.path.exists(probe) and os.path.dirname(probe) != probe:
        probe = os.path.dirname(probe)
    if probe != path and not os.path.isdir(probe):
        raise DataError(f"{path}: the {what} cannot be made: {probe} is a file, not a folder")
    if probe == path and "folder" in what and not os.path.isdir(path):
        raise DataError(f"{path}: the {what} is a file, not a folder; choose another path")
    to_check = [probe]
    if probe == path and not os.path.isdir(path):
        to_check.append(os.path.dirname(path))
    for item in to_check:
        if not _writable_by_mode(item):
            mode = stat.S_IMODE(os.stat(item).st_mode)
            kind = "folder" if os.path.isdir(item) else "file"
            where = "" if item == path else f" (the {kind} {item})"
            raise DataError(
                f"{path}: the {what} cannot be written{where}: the {kind} is read-only "
                f"(mode {mode:04o}); nothing was written. Make it writable (chmod u+w) or "
                f"choose another path"
            )


def _writable_by_mode(path: str) -> bool:
    info = os.stat(path)
    if not hasattr(os, "geteuid"):  # Windows: only the read-only attribute
        return bool(info.st_mode & stat.S_IWRITE)
    user = os.geteuid()
    if info.st_uid == user:
        bit = stat.S_IWUSR
    elif user == 0:
        bit = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH
    elif info.st_gid == os.getegid() or info.st_gid in os.getgroups():
        bit = stat.S_IWGRP
    else:
        bit = stat.S_IWOTH
    # os.access as well: ACLs and read-only mounts, which the mode bits do not show.
    return bool(info.st_mode & bit) and os.access(path, os.W_OK)
