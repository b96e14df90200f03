"""The one exception type for user errors.

Anything the user can fix (a bad value, a missing file, a wrong format) raises ``FastsimError`` with a
message that names the value and what was expected. The CLI prints it as one line and exits non-zero;
any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations


class FastsimError(ValueError):
    """A user-facing error: bad input, bad file, missing optional dependency."""


class MissingExtraError(FastsimError, ImportError):
    """An optional heavy dependency is not installed."""
