"""Jira Cloud and Data Center (platform, agile and service-desk REST APIs) as a Source."""

from cadence.connectors.jira.client import JiraClient, JiraCredential
from cadence.connectors.jira.fields import FieldMap, discover_fields
from cadence.connectors.jira.source import JiraSite, JiraSource

__all__ = ["FieldMap", "JiraClient", "JiraCredential", "JiraSite", "JiraSource", "discover_fields"]
