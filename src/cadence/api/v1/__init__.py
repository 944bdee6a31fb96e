"""Version 1 of the JSON API. Breaking changes go to a new version; this one only grows."""
