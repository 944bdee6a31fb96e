"""Files people export or keep: Jira CSV and JSON exports, generic status-event logs."""

from cadence.connectors.files.event_mapping import EventMapping, load_event_mapping
from cadence.connectors.files.events import read_event_log
from cadence.connectors.files.jira_csv import read_jira_csv
from cadence.connectors.files.jira_json import read_jira_json

__all__ = ["EventMapping", "load_event_mapping", "read_event_log", "read_jira_csv", "read_jira_json"]
