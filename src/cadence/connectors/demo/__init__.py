"""The demo workspace: a deterministic, realistic history of a software organisation that builds and supports a
product (two teams at scale 1: support engineering and platform), for first runs, docs, tests and benchmarks.

``generate_demo(seed=..., scale=..., until=...)`` is pure: no database, no clock, no global randomness.
"""

from __future__ import annotations

from .generator import DemoWorkspace, generate_demo
from .organisation import DEMO_LOGINS, DemoLogin
from .storyline import DemoScenario, demo_scenario

__all__ = ["DEMO_LOGINS", "DemoLogin", "DemoScenario", "DemoWorkspace", "demo_scenario", "generate_demo"]
