"""The versioned JSON API (``/api``), with one error envelope."""
