"""Reading files a project names (app files, ``file:`` references, metadata to import), refusing the rest.

A file is read only when it is a regular file no larger than the caller's limit, which is checked before
reading: a directory, a FIFO (which would block forever), a device such as ``/dev/zero`` (which never ends) or
a socket is refused with a message naming it. `RefusedFile` is an `OSError`, so callers that report
unreadable files already report these too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["RefusedFile", "read_file_bytes", "read_file_text"]


class RefusedFile(OSError):
    """A path that is not a readable regular file of acceptable size; the message says why and where."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size(n: int) -> str:
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MiB".replace(".0 MiB", " MiB")
    return f"{n:,} bytes"


def read_file_bytes(path: Path, *, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes.

    Raises:
        FileNotFoundError: nothing at `path`.
        RefusedFile: a directory, FIFO, device or socket, or larger than `limit` (checked before reading).
        OSError: any other failure to read it.
    """
    mode = Path(path).stat().st_mode
    if not stat.S_ISREG(mode):
        raise RefusedFile(f"{path} is {_kind(mode)}, not a regular file; give the path of a file")
    # O_NONBLOCK: if the path was swapped for a FIFO since the check, opening it does not block
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise RefusedFile(f"{path} is {_kind(info.st_mode)}, not a regular file; give the path of a file")
        if info.st_size > limit:
            raise RefusedFile(f"{path} is {_size(info.st_size)}, over the {_size(limit)} limit for this file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise RefusedFile(f"{path} is over the {_size(limit)} limit for this file")
    return data


def read_file_text(path: Path, *, limit: int) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes (a leading BOM is dropped).

    Raises:
        FileNotFoundError: nothing at `path`.
        RefusedFile: as `read_file_bytes`, or the bytes are not UTF-8 (a binary file); the message never
            quotes the content, which may be a secret.
    """
    data = read_file_bytes(path, limit=limit)
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise RefusedFile(
            f"{path} is not UTF-8 text (byte {exc.start} cannot be decoded; a binary file?)"
        ) from None
