"""Messages on a pipe between the server and its query workers: an 8-byte length, then a pickle."""

from __future__ import annotations

import os
import pickle
import select
import struct
import time

_HEADER = struct.Struct(">Q")
_CHUNK = 1 << 20
_FIRST_READ = 1 << 16


def send_frame(fd: int, message: object) -> None:
    """Write one message as a frame (blocking until all of it is written)."""
    payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view) :]


def receive_frame(fd: int, deadline: float | None = None) -> object:
    """Read one frame; ``EOFError`` if the writer is gone, ``TimeoutError`` past ``deadline`` (monotonic)."""
    buffer = bytearray()
    needed = _HEADER.size
    while len(buffer) < needed:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        # A first small read takes a whole small frame; a large one is read in the size it has (a read into a huge
        # buffer would map and unmap fresh memory every time).
        chunk = os.read(fd, _FIRST_READ if needed == _HEADER.size else min(_CHUNK, needed - len(buffer)))
        if not chunk:
            raise EOFError
        buffer += chunk
        if needed == _HEADER.size and len(buffer) >= needed:
            needed += _HEADER.unpack_from(buffer)[0]
    return pickle.loads(memoryview(buffer)[_HEADER.size :])
