"""The Jira HTTP client against the fake server: retries, Retry-After, timeouts, dropped answers, refusals."""

from __future__ import annotations

import httpx
import pytest

from cadence.connectors.errors import SourceAuthError, SourceUnavailable
from cadence.connectors.jira.client import JiraClient, JiraCredential
from cadence.domain.errors import ConfigurationError
from tests.connectors.jira.fake_jira import FakeJira, Served

PAT = JiraCredential("dc", "good-token", hint="the token in $JIRA_PAT")


@pytest.fixture
def fake() -> FakeJira:
    return FakeJira("dc", [], fields=[{"id": "summary", "name": "Summary"}])


def _client(url: str, sleeps: list[float], **kwargs: object) -> JiraClient:
    return JiraClient(url, PAT, allow_http=True, sleep=sleeps.append, seed=1, **kwargs)  # type: ignore[arg-type]


def test_429_and_503_honour_retry_after(fake: FakeJira) -> None:
    fake.fault("/rest/api/2/field", ("status", 429, 7), ("status", 503, 2), ("status", 502))
    sleeps: list[float] = []
    with Served(fake) as server:
        client = _client(server.url, sleeps)
        assert client.get("/rest/api/2/field") == [{"id": "summary", "name": "Summary"}]
        client.close()
    assert sleeps[:2] == [7.0, 2.0]
    assert 0 <= sleeps[2] <= 2.0  # 502: jittered backoff, attempt 2 -> at most 0.5 * 2**2
    assert fake.calls("/rest/api/2/field") == 4


def test_retry_after_is_capped_and_retries_are_bounded(fake: FakeJira) -> None:
    fake.fault("/rest/api/2/field", *[("status", 429, 3600)] * 3)
    sleeps: list[float] = []
    with Served(fake) as server:
        client = _client(server.url, sleeps, retries=2, retry_after_cap=60.0)
        with pytest.raises(SourceUnavailable, match="HTTP 429"):
            client.get("/rest/api/2/field")
        client.close()
    assert sleeps == [60.0, 60.0]


def test_slow_and_dropped_answers_are_retried(fake: FakeJira) -> None:
    fake.fault("/rest/api/2/field", ("slow", 1.0), ("drop",))
    sleeps: list[float] = []
    with Served(fake) as server:
        client = _client(server.url, sleeps, timeout=0.3)
        assert client.get("/rest/api/2/field")[0]["id"] == "summary"
        client.close()
    assert len(sleeps) == 2


def test_401_and_403_say_what_to_check(fake: FakeJira) -> None:
    fake.forbidden.add("/rest/api/2/search")
    with Served(fake) as server:
        wrong = JiraClient(server.url, JiraCredential("dc", "nope", hint="the token in $JIRA_PAT"), allow_http=True)
        with pytest.raises(SourceAuthError, match=r"HTTP 401\): check the token in \$JIRA_PAT"):
            wrong.get("/rest/api/2/field")
        wrong.close()
        client = _client(server.url, [])
        with pytest.raises(SourceAuthError, match="Browse projects"):
            client.get("/rest/api/2/search", {"jql": "x"})
        client.close()


def test_the_removed_cloud_search_answers_410() -> None:
    cloud = FakeJira("cloud", [], auth="Bearer good-token")
    with Served(cloud) as server:
        client = _client(server.url, [])
        with pytest.raises(SourceUnavailable, match="gone \\(HTTP 410\\)"):
            client.get("/rest/api/3/search", {"jql": "x"})
        client.close()


def test_plain_http_is_refused_unless_allowed() -> None:
    with pytest.raises(ConfigurationError, match="not https"):
        JiraClient("http://jira.example.com", PAT)
    with pytest.raises(ConfigurationError, match="not an http"):
        JiraClient("ftp://jira.example.com", PAT)


def test_redirects_stay_on_the_same_host_and_answers_are_bounded() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/rest/api/2/moved":
            return httpx.Response(302, headers={"Location": "/rest/api/2/field"})
        if request.url.path == "/rest/api/2/away":
            return httpx.Response(302, headers={"Location": "https://evil.example.net/steal"})
        if request.url.path == "/rest/api/2/huge":
            return httpx.Response(200, content=b"[" + b"1," * 5000 + b"1]")
        assert request.headers["Authorization"] == "Bearer good-token"
        return httpx.Response(200, json=[{"id": "summary"}])

    client = JiraClient("https://jira.example.com", PAT, transport=httpx.MockTransport(handler), max_bytes=1000)
    assert client.get("/rest/api/2/moved") == [{"id": "summary"}]
    with pytest.raises(SourceUnavailable, match=r"redirected to https://evil\.example\.net"):
        client.get("/rest/api/2/away")
    with pytest.raises(SourceUnavailable, match="larger than 1,000 bytes"):
        client.get("/rest/api/2/huge")
    client.close()


def test_cloud_credentials_use_basic_auth() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"])
        return httpx.Response(200, json={})

    credential = JiraCredential("cloud", "tok", "pm@example.com")
    client = JiraClient("https://x.atlassian.net", credential, transport=httpx.MockTransport(handler))
    client.get("/rest/api/3/myself")
    client.close()
    assert seen == ["Basic cG1AZXhhbXBsZS5jb206dG9r"]
