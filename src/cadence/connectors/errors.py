"""Errors a remote source causes, in the :class:`~cadence.domain.errors.CadenceError` tree.

CadenceError
├── PermissionDenied          exit 8   HTTP 403
│   └── SourceAuthError       exit 8   HTTP 403   the source refused our credential or lacks a permission
└── SourceUnavailable         exit 10  HTTP 502   unreachable, failing, too slow, or answering nonsense
"""

from __future__ import annotations

from cadence.domain.errors import CadenceError, PermissionDenied

__all__ = ["SourceAuthError", "SourceUnavailable"]


class SourceAuthError(PermissionDenied):
    code = "source_auth"


class SourceUnavailable(CadenceError):
    code = "source_unavailable"
    http_status = 502
    exit_code = 12
