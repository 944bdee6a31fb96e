"""Pure metric functions over Polars frames: no database, no HTTP, no wall clock."""
