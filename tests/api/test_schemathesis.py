"""Schemathesis against the served OpenAPI: no 5xx, every error in the envelope, answers as declared."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.specs.openapi import checks as openapi_checks

from cadence.app import create_app
from cadence.settings import Settings
from cadence.store.database import Database
from tests.api.conftest import SUPPORT_TEAM, FuzzedSite

MAX_EXAMPLES = 10
SEED = 20260630

# Generation must not depend on earlier responses (they carry the clock), or a run would not repeat itself.
_NO_FEEDBACK = {"extra-data-sources": {"responses": False}}
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "parameters": {"path.team": SUPPORT_TEAM},
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        "phases": {
            # One unexpected method per path is enough to see the 405 envelope; all eight would be 900 requests.
            "coverage": {**_NO_FEEDBACK, "unexpected-methods": ["trace"]},
            "fuzzing": {**_NO_FEEDBACK, "error-feedback": {"enabled": False}},
        },
    }
)
# The document only: every case is then sent to the module's app over its seeded database.
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(Settings(database_url="sqlite://"), Database("sqlite://")), config=CONFIG
)


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Mostly small ids, so requests reach rows; the generated value stays one of the choices."""
    if not path_parameters:
        return st.just(path_parameters)
    strategies = {}
    for name, value in path_parameters.items():
        if name.endswith("_id") and isinstance(value, int):
            strategies[name] = st.sampled_from([1, 2, 3]) | st.just(value)
        else:
            strategies[name] = st.just(value)
    return st.fixed_dictionaries(strategies)


@schemathesis.check
def error_envelope(ctx: Any, response: schemathesis.Response, case: schemathesis.Case) -> bool | None:
    """Every 4xx is JSON shaped ``{"error": {"code": str, "message": str, ...}}``."""
    if not 400 <= response.status_code < 500:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), f"{response.status_code} answered as {content_type!r}"
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), f"not the error envelope: {body!r}"
    error = body["error"]
    assert isinstance(error.get("code"), str) and error["code"], f"error without a code: {body!r}"
    assert isinstance(error.get("message"), str) and error["message"], f"error without a message: {body!r}"
    return True


@schema.parametrize()
def test_the_api_never_fails_on_any_input(case: schemathesis.Case, fuzzed_site: FuzzedSite) -> None:
    # call_and_validate raises when a check fails; the asserts below restate the two that matter most.
    response = case.call_and_validate(
        app=fuzzed_site.app,
        headers={"Authorization": f"Bearer {fuzzed_site.token}"},
        checks=[
            schemathesis.checks.not_a_server_error,
            error_envelope,
            openapi_checks.response_schema_conformance,
            openapi_checks.content_type_conformance,
        ],
    )
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code}"
    if response.status_code >= 400:
        assert set(response.json()["error"]) >= {"code", "message"}
