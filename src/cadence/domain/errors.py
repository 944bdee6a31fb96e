"""Every error Cadence reports to a person.

Errors are raised anywhere and translated only at the edges: the API turns them into one JSON envelope
(``http_status``), the CLI into one sentence and an exit code (``exit_code``, documented in ``docs/cli.md``).

    CadenceError                      exit 1   HTTP 500
    ├── ConfigurationError            exit 3   HTTP 500   wrong settings or workspace file
    ├── DatabaseError                 exit 4   HTTP 503
    │   ├── DatabaseUnavailable       exit 4   HTTP 503   cannot reach / open the database
    │   └── SchemaMismatch            exit 5   HTTP 503   database newer than this Cadence, or not migrated
    ├── InputError                    exit 6   HTTP 422   a file or request the user gave us is unusable
    ├── NotFound                      exit 7   HTTP 404
    ├── PermissionDenied              exit 8   HTTP 403
    ├── Conflict                      exit 9   HTTP 409
    ├── NotAuthenticated              exit 10  HTTP 401   no, expired or wrong credentials
    └── TooManyAttempts               exit 11  HTTP 429   sign-in throttled
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "CadenceError",
    "ConfigurationError",
    "Conflict",
    "DatabaseError",
    "DatabaseUnavailable",
    "InputError",
    "NotAuthenticated",
    "NotFound",
    "PermissionDenied",
    "SchemaMismatch",
    "TooManyAttempts",
]


class CadenceError(Exception):
    """Base of every error meant for a person: a sentence naming the thing and the value, plus data."""

    code: ClassVar[str] = "error"
    http_status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, **data: Any) -> None:
        super().__init__(message)
        self.message = message
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "data": self.data}


class ConfigurationError(CadenceError):
    code = "configuration"
    exit_code = 3


class DatabaseError(CadenceError):
    code = "database"
    http_status = 503
    exit_code = 4


class DatabaseUnavailable(DatabaseError):
    code = "database_unavailable"


class SchemaMismatch(DatabaseError):
    code = "schema_mismatch"
    exit_code = 5


class InputError(CadenceError):
    code = "invalid_input"
    http_status = 422
    exit_code = 6


class NotFound(CadenceError):
    code = "not_found"
    http_status = 404
    exit_code = 7


class PermissionDenied(CadenceError):
    code = "forbidden"
    http_status = 403
    exit_code = 8


class Conflict(CadenceError):
    code = "conflict"
    http_status = 409
    exit_code = 9


class NotAuthenticated(CadenceError):
    code = "not_authenticated"
    http_status = 401
    exit_code = 10


class TooManyAttempts(CadenceError):
    code = "too_many_attempts"
    http_status = 429
    exit_code = 11
