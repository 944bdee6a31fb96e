"""The ``cadence`` command line (Typer + Rich)."""
