"""Outbound notifications through Apprise: channel targets checked and turned into Apprise URLs, one message sent.

``targets`` validates what a manager typed (e-mail recipients and SMTP relay, Slack / Teams / generic webhook URLs)
and builds the Apprise URL; ``delivery`` sends one message with bounded timeouts and answers with ``None`` or a
readable error. Apprise is imported on first use, so importing this package touches neither Apprise nor the network.
"""

from cadence.connectors.notify.delivery import send_message
from cadence.connectors.notify.targets import KINDS, SMTP_TLS, apprise_url, check_target, describe_target

__all__ = ["KINDS", "SMTP_TLS", "apprise_url", "check_target", "describe_target", "send_message"]
