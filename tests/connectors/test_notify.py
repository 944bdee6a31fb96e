"""Channel targets and Apprise URLs, and sends to a real local SMTP server (including refused TLS modes)."""

from __future__ import annotations

import pytest

from cadence.connectors.notify import apprise_url, check_target, describe_target, send_message
from cadence.domain.errors import InputError
from tests.notify_servers import SmtpServer, closed_port, smtp_server

__all__ = ["smtp_server"]

SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"
TEAMS = ("https://prod-00.westus.logic.azure.com:443/workflows/abc123/triggers/manual/paths/invoke"
         "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SIG")  # fmt: skip


def _email(port: int, tls: str) -> dict[str, object]:
    return check_target("email", {"to": "a@example.org", "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_tls": tls})


def test_email_urls_name_the_tls_mode_explicitly() -> None:
    assert apprise_url("email", _email(25, "none")).startswith("mailto://127.0.0.1:25?from=cadence@localhost&to=a@")
    assert "mode=insecure" in apprise_url("email", _email(25, "none"))
    assert apprise_url("email", _email(465, "ssl")).startswith("mailtos://") and "mode=ssl" in apprise_url(
        "email", _email(465, "ssl")
    )
    target = check_target("email", {"to": ["a@example.org"], "smtp_host": "smtp.example.org", "username": "u@x",
                                    "password": "p&w"})  # fmt: skip
    assert target["smtp_port"] == 587 and target["smtp_tls"] == "starttls"
    assert apprise_url("email", target).startswith("mailtos://u%40x:p%26w@smtp.example.org:587?")
    assert describe_target("email", target) == "a…@example.org via smtp.example.org:587 (starttls)"


def test_webhook_urls() -> None:
    assert apprise_url("webhook", {"url": "https://x.example/h?token=t"}).startswith(
        "jsons://x.example/h?-token=t&cto="
    )
    assert apprise_url("slack", check_target("slack", {"url": SLACK})).startswith(SLACK + "?cto=5.0&rto=15.0")
    assert describe_target("teams", check_target("teams", {"url": TEAMS})) == "https://prod-00.westus.logic.azure.com/…"


@pytest.mark.parametrize(
    ("kind", "target", "message"),
    [
        ("email", {"to": "", "smtp_host": "h"}, "at least one recipient"),
        ("email", {"to": "not-an-address", "smtp_host": "h"}, "is not an e-mail address"),
        ("email", {"to": "a@example.org", "smtp_host": "h", "smtp_tls": "tls"}, "is not one of"),
        ("email", {"to": "a@example.org", "smtp_host": "h", "smtp_port": 70000}, "not a port"),
        ("webhook", {"url": "http://example.org/h"}, "must use https"),
        ("slack", {"url": "https://example.org/h"}, "not a usable slack URL"),
        ("teams", {"url": SLACK}, "not a usable teams URL"),
        ("pager", {"url": SLACK}, "is not one of"),
    ],
)
def test_unusable_targets_are_refused(kind: str, target: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        check_target(kind, target)


def test_send_plain_smtp(smtp_server: SmtpServer) -> None:
    assert send_message("email", _email(smtp_server.port, "none"), subject="Hi", body="Body") is None
    [mail] = smtp_server.mails
    assert (mail.sender, mail.recipients, mail.subject) == ("cadence@localhost", ("a@example.org",), "Hi")


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_tls_is_never_silently_dropped(smtp_server: SmtpServer, tls: str) -> None:
    """The local server offers no TLS: asking for it fails with a sentence rather than sending in clear."""
    error = send_message("email", _email(smtp_server.port, tls), subject="Hi", body="Body")
    assert error is not None and error.startswith(f"e-mail via 127.0.0.1:{smtp_server.port}: ")
    assert smtp_server.mails == []


def test_a_closed_port_is_a_readable_error() -> None:
    error = send_message("email", _email(closed_port(), "none"), subject="Hi", body="Body")
    assert error is not None and "Connection error" in error
