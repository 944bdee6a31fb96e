"""Use cases: the only layer that combines the store, the connectors and the analytics."""
