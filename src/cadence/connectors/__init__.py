"""The outside world (Jira, files, the demo simulator) turned into record batches; never touches the database."""
