"""Source credentials encrypted at rest with Fernet (the key comes from ``CADENCE_ENCRYPTION_KEY``).

A token is never stored in clear and never printed. A missing or wrong key is a configuration error that says
which setting to fix, rather than a cryptography traceback.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from cadence.domain.errors import ConfigurationError

__all__ = ["can_decrypt", "check_key", "decrypt_secret", "encrypt_secret"]


def _fernet(key: str | None) -> Fernet:
    if not key:
        raise ConfigurationError(
            "CADENCE_ENCRYPTION_KEY is not set; source credentials are stored encrypted. Generate a key with: "
            "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        )
    try:
        return Fernet(key.encode())
    except ValueError:
        raise ConfigurationError(
            "CADENCE_ENCRYPTION_KEY is not a Fernet key (32 url-safe base64-encoded bytes)"
        ) from None


def encrypt_secret(key: str | None, secret: dict[str, Any]) -> bytes:
    return _fernet(key).encrypt(json.dumps(secret).encode())


def decrypt_secret(key: str | None, token: bytes) -> dict[str, Any]:
    try:
        value: dict[str, Any] = json.loads(_fernet(key).decrypt(token))
    except InvalidToken:
        raise ConfigurationError(
            "CADENCE_ENCRYPTION_KEY cannot decrypt the stored credential: it is not the key used when the source was "
            "connected (restore that key, or run 'cadence connect' again)"
        ) from None
    return value


def check_key(key: str | None) -> None:
    """Refuse a key that is set but is not a Fernet key (a restore must not drop credentials because of a typo)."""
    if key:
        _fernet(key)


def can_decrypt(key: str | None, token: bytes) -> bool:
    """Whether ``key`` opens ``token``: a restore keeps the credentials this install can still read."""
    try:
        decrypt_secret(key, token)
    except ConfigurationError:
        return False
    return True
