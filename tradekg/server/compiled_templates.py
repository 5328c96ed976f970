"""Compiled page templates, shared by every application of the process.

Each Flask application has its own Jinja environment, which compiles a template the first time it renders it
(lexing, parsing and generating Python: tens of milliseconds for the larger pages). ``tradekg serve`` builds one
application per process, but the test suite builds hundreds, and each would compile the same templates again.
Jinja's bytecode cache keeps the compiled code under the template's name and a checksum of its source, so an edited
template is compiled anew; this one keeps it in memory, for the life of the process.
"""

from __future__ import annotations

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket


class InMemoryBytecodeCache(BytecodeCache):
    """Jinja's compiled template code, kept in a dictionary by template name (and checksum, checked by Jinja)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        """Fill the bucket with the code compiled before, if any (Jinja ignores code of another source)."""
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep the code Jinja has just compiled."""
        self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        """Forget every compiled template."""
        self._code.clear()


TEMPLATE_CODE = InMemoryBytecodeCache()
"""The cache every application of this process compiles its templates into (see :func:`tradekg.server.create_app`)."""
