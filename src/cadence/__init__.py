"""Cadence: the cockpit of a software team that builds and supports a product, and of the PM who runs it."""

__version__ = "0.1.0.dev0"
