"""The Jinja2 environment every page renders with."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

__all__ = ["templates"]

templates = Jinja2Templates(directory=str(Path(__file__).parents[1] / "web" / "templates"))
