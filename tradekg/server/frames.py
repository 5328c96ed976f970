"""Messages on a pipe between the server and its query workers: an 8-byte length, then a pickle."""

from __future__ import annotations

import os
import pickle
import select
import struct
import threading
import time

_HEADER = struct.Struct(">Q")
_CHUNK = 1 << 20
_BUFFER = 1 << 16
_buffers = threading.local()


def send_frame(fd: int, message: object) -> None:
    """Write one message as a frame (blocking until all of it is written)."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    header = _HEADER.pack(len(payload))
    written = os.writev(fd, [header, payload])  # one system call, no copy of the payload
    if written < len(header) + len(payload):
        view = memoryview(header + payload)[written:]
        while view:
            view = view[os.write(fd, view) :]


def _read(fd: int, into: memoryview, deadline: float | None) -> int:
    if deadline is not None:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError
    count = os.readv(fd, [into])
    if not count:
        raise EOFError
    return count


def receive_frame(fd: int, deadline: float | None = None) -> object:
    """Read one frame; ``EOFError`` if the writer is gone, ``TimeoutError`` past ``deadline`` (monotonic).

    A frame that fits is read into a buffer the thread keeps (64 KiB): a fresh buffer for every read cost the
    worker a large allocation per query. A larger frame is read in the size it has.
    """
    buffer: bytearray | None = getattr(_buffers, "buffer", None)
    if buffer is None:
        buffer = _buffers.buffer = bytearray(_BUFFER)
    view = memoryview(buffer)
    size = 0
    while size < _HEADER.size:
        size += _read(fd, view[size:], deadline)
    needed = _HEADER.size + _HEADER.unpack_from(buffer)[0]
    if needed > len(buffer):  # a large answer: a buffer of its own size (a huge one mapped only while it is read)
        large = bytearray(needed)
        large[:size] = view[:size]
        buffer, view = large, memoryview(large)
    while size < needed:
        size += _read(fd, view[size : min(needed, size + _CHUNK)], deadline)
    return pickle.loads(view[_HEADER.size : needed])
