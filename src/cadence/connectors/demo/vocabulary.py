"""The words of the demo: work-item titles, sprint goals, ticket subjects, product areas and customers.

Titles are composed from a few short phrase lists (a verb, an object, a context), drawn per row with the seeded
generator and joined in Polars, so a million items get varied, plausible titles without a per-row Python loop.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numpy.typing import NDArray

from .workflow import BUG, INCIDENT, STORY, TASK

__all__ = [
    "AREAS",
    "CUSTOMERS",
    "MAJOR_INCIDENT",
    "SPRINT_GOALS",
    "compose",
    "item_descriptions",
    "item_titles",
    "ticket_titles",
]

Phrases = tuple[tuple[str, ...], ...]

_TITLES: dict[tuple[int, str], Phrases] = {
    (STORY, "support"): (
        ("Let agents ", "Let customers ", "Allow admins to ", "As an account owner I can ", "Let managers "),
        ("export ", "bulk-edit ", "filter ", "search ", "archive ", "merge ", "schedule ", "preview ", "re-send "),
        (
            "invoices",
            "credit notes",
            "customer accounts",
            "payment methods",
            "subscription plans",
            "notification rules",
            "user roles",
            "usage reports",
            "refund requests",
            "support macros",
        ),
        ("", "", " from the portal", " via the API", " by date range", " in bulk", " with an audit trail"),
    ),
    (STORY, "platform"): (
        ("Self-service ", "Automated ", "Zero-downtime ", "Per-tenant ", "Tracing for ", "Dashboards for "),
        (
            "database migrations",
            "preview environments",
            "secret rotation",
            "log retention",
            "canary releases",
            "rate limits",
            "backups",
            "feature flags",
            "queue consumers",
            "TLS certificates",
        ),
        ("", "", " for all services", " on Kubernetes", " in the EU region", " with alerting"),
    ),
    (BUG, "support"): (
        (
            "Invoice PDF",
            "Login page",
            "Password reset e-mail",
            "Usage report",
            "CSV import",
            "Webhook retry",
            "Search",
            "Revenue dashboard",
            "Push notification",
            "SSO redirect",
            "Credit note",
        ),
        (
            " shows wrong totals",
            " times out",
            " returns HTTP 500",
            " is sent twice",
            " ignores the time zone",
            " fails silently",
            " is very slow",
            " loses the selected filter",
            " shows stale data",
        ),
        (
            "",
            "",
            " for accounts with 10k+ users",
            " after a plan change",
            " in Safari",
            " when locale is fr-FR",
            " on the first day of the month",
            " for EU customers",
            " with accents in the name",
        ),
    ),
    (BUG, "platform"): (
        (
            "Deploy pipeline",
            "Nightly backup",
            "Log shipper",
            "API gateway",
            "Metrics exporter",
            "Job scheduler",
            "Staging database",
            "Cache warm-up",
            "Image build",
        ),
        (
            " fails intermittently",
            " leaks memory",
            " drops requests",
            " is stuck",
            " uses the wrong config",
            " exceeds its timeout",
            " double-processes messages",
        ),
        ("", "", " after node rotation", " under load", " on ARM runners", " when disk is 90% full"),
    ),
    (TASK, "support"): (
        ("Update ", "Document ", "Clean up ", "Automate ", "Review ", "Migrate "),
        (
            "support macros",
            "escalation runbook",
            "refund scripts",
            "e-mail templates",
            "feature flags",
            "billing test fixtures",
            "SLA report queries",
            "customer export job",
        ),
        ("", "", " (Q2)", " before release", " for the new plans"),
    ),
    (TASK, "platform"): (
        ("Upgrade ", "Rotate ", "Decommission ", "Benchmark ", "Right-size ", "Patch ", "Tidy up "),
        (
            "PostgreSQL replicas",
            "Redis cluster",
            "Terraform modules",
            "CI runners",
            "Kafka brokers",
            "base images",
            "on-call alerts",
            "DNS records",
            "service accounts",
        ),
        ("", "", " in staging", " in production", " (EU)", " (US)"),
    ),
    (INCIDENT, "support"): (
        (
            "Payment gateway",
            "Login service",
            "Public API",
            "E-mail delivery",
            "Invoice generation",
            "Customer portal",
            "Webhook dispatcher",
            "Mobile backend",
        ),
        (
            " degraded: elevated 5xx",
            " outage",
            " latency above SLO",
            " backlog of queued jobs",
            " errors after deploy",
            " partially unavailable",
        ),
        ("", " (EU)", " (US)", " for enterprise tenants"),
    ),
    (INCIDENT, "platform"): (
        ("Primary database", "Kubernetes cluster", "Object storage", "Message broker", "CDN", "VPN"),
        (" disk full", " failover", " node pressure", " certificate expired", " high error rate", " unreachable"),
        ("", " (EU)", " (US)"),
    ),
}
MAJOR_INCIDENT = "Payment gateway outage: card payments failing (EU)"

_DESCRIPTIONS: dict[int, tuple[str, ...]] = {
    STORY: (
        "So that customers stop opening tickets for it.",
        "Asked for by several enterprise customers.",
        "Acceptance criteria in the linked design doc.",
        "Part of the quarterly roadmap.",
    ),
    BUG: (
        "Steps to reproduce in the comments.",
        "Seen in production logs.",
        "Reported by support.",
        "Regression since the last release.",
    ),
    TASK: ("Housekeeping.", "Follow-up from the retro.", "Needed before the next upgrade.", "Tech debt."),
    INCIDENT: ("Paged by monitoring.", "Status page updated.", "Post-mortem to follow.", "Customer-facing."),
}

SPRINT_GOALS: dict[str, tuple[str, ...]] = {
    "support": (
        "Self-serve credit notes for billing disputes",
        "Stabilise SSO logins for enterprise customers",
        "Halve the escalation backlog",
        "Faster invoice PDFs for large accounts",
        "Portal: customers manage their own users",
        "Reliable webhook deliveries",
        "Fix the top 10 escalated bugs",
        "Usage reports customers can trust",
        "Notification preferences per user",
        "Refunds without engineering help",
        "Audit trail for account changes",
        "Cut first-response tooling time for agents",
        "Bulk import of customer data",
    ),
    "platform": (
        "Ephemeral preview environments",
        "PostgreSQL 16 upgrade on staging",
        "Observability: tracing for every service",
        "Automated secret rotation",
        "Zero-downtime deploys for the API",
        "Kubernetes cluster migration (all services)",
        "Backups restored and verified weekly",
        "Faster CI: under 10 minutes",
        "Rate limiting at the gateway",
        "Cost: right-size the compute fleet",
        "On-call alert noise halved",
        "PostgreSQL 16 in production",
        "Message broker upgrade",
    ),
}

AREAS = ("Payments", "Billing", "Login & SSO", "Reporting", "Integrations & API", "Notifications", "Data import")
_TICKET_SUBJECTS: dict[str, tuple[str, ...]] = {
    "Payments": (
        "Card payment declined",
        "Checkout shows error 502",
        "Payment taken but order pending",
        "Cannot add a new card",
    ),
    "Billing": (
        "Invoice total does not match our contract",
        "Charged twice this month",
        "VAT number missing",
        "Need a copy of last quarter's invoices",
        "Credit note not received",
    ),
    "Login & SSO": (
        "Cannot log in",
        "SSO redirects in a loop",
        "Password reset link expired",
        "User locked out after MFA change",
    ),
    "Reporting": (
        "Report missing last week's data",
        "Export stuck at 0 %",
        "Dashboard totals look wrong",
        "Scheduled report not delivered",
    ),
    "Integrations & API": (
        "API returns 429",
        "Webhook not firing",
        "API token stopped working",
        "Salesforce sync duplicates contacts",
    ),
    "Notifications": ("E-mails going to spam", "Not receiving notifications", "SMS arrive hours late"),
    "Data import": ("CSV import fails on row 1", "Import mapped the wrong columns", "Import very slow"),
}

CUSTOMERS = (
    ("Northwind Logistics", "northwind"),
    ("Acme Retail", "acme"),
    ("Globex Energy", "globex"),
    ("Initech Finance", "initech"),
    ("Umbrella Health", "umbrella"),
    ("Hooli Media", "hooli"),
    ("Stark Mobility", "stark"),
    ("Wayne Hospitality", "wayne"),
    ("Soylent Foods", "soylent"),
    ("Tyrell Robotics", "tyrell"),
    ("Cyberdyne Security", "cyberdyne"),
    ("Wonka Confectionery", "wonka"),
    ("Vandelay Imports", "vandelay"),
    ("Oceanic Airlines", "oceanic"),
    ("Massive Dynamic", "massive"),
    ("Pied Piper", "piedpiper"),
    ("Blue Sun Travel", "bluesun"),
    ("Aperture Labs", "aperture"),
    ("Monarch Insurance", "monarch"),
    ("Gringotts Savings", "gringotts"),
    ("Duff Beverages", "duff"),
    ("Krusty Events", "krusty"),
    ("Sirius Telecom", "sirius"),
    ("Nakatomi Trading", "nakatomi"),
    ("Octan Fuels", "octan"),
    ("Prestige Worldwide", "prestige"),
    ("Rekall Travel", "rekall"),
    ("Sterling Cooper", "sterling"),
    ("Virtucon Industries", "virtucon"),
    ("Zorg Manufacturing", "zorg"),
    ("Bluth Homes", "bluth"),
    ("Dunder Paper", "dunder"),
    ("Los Pollos Foods", "lospollos"),
    ("Good Burger Group", "goodburger"),
    ("Kwik-E Stores", "kwike"),
    ("Paper Street Soap", "paperstreet"),
)
"""(name, mail domain label); the first ten are the largest accounts, on the Premium SLA."""


def compose(parts: Phrases, rng: np.random.Generator, n: int) -> pl.Series:
    """``n`` phrases, each the concatenation of one random choice per part."""
    columns = [pl.Series(part).gather(rng.integers(0, len(part), n)) for part in parts]
    return pl.select(pl.concat_str(columns)).to_series()


def _by_group(groups: NDArray[np.int64], texts: dict[int, pl.Series], n: int) -> pl.Series:
    out = pl.Series("text", [None] * n, dtype=pl.String)
    for group, series in texts.items():
        rows = np.flatnonzero(groups == group)
        if rows.size:
            out = out.scatter(rows, series.head(rows.size))
    return out


def item_titles(kind: NDArray[np.int8], platform: NDArray[np.bool_], rng: np.random.Generator) -> pl.Series:
    """A title per work item, from its kind and its team's kind."""
    n = kind.size
    group = kind.astype(np.int64) * 2 + platform
    texts = {
        k * 2 + p: compose(_TITLES[(k, "platform" if p else "support")], rng, int((group == k * 2 + p).sum()))
        for k in (STORY, BUG, TASK, INCIDENT)
        for p in (0, 1)
    }
    return _by_group(group, texts, n).alias("title")


def item_descriptions(kind: NDArray[np.int8], rng: np.random.Generator) -> pl.Series:
    """A one-line description, missing on a third of the items as in real trackers."""
    n = kind.size
    texts = {k: pl.Series(v).gather(rng.integers(0, len(v), n)) for k, v in _DESCRIPTIONS.items()}
    described = _by_group(kind.astype(np.int64), texts, n)
    return pl.select(pl.when(pl.Series(rng.random(n) < 0.66)).then(described).otherwise(None)).to_series()


def ticket_titles(area: NDArray[np.int64], rng: np.random.Generator) -> pl.Series:
    """A customer-worded subject per ticket, from its product area."""
    n = area.size
    texts = {
        a: pl.Series(_TICKET_SUBJECTS[name]).gather(rng.integers(0, len(_TICKET_SUBJECTS[name]), n))
        for a, name in enumerate(AREAS)
    }
    return _by_group(area, texts, n).alias("title")
