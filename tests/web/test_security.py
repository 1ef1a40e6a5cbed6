"""Who may use the console: its own host names, its own pages' origin, and the token beyond loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from controller.cli import main
from controller.cli.simdevice import sim_profiles
from controller.web.app import WebConfig, create_app
from controller.web.server import WebSetupError, allowed_hosts, is_loopback, read_token, startup_lines

TOKEN = "s3cret-token-for-the-tests-0123"


def test_another_host_name_is_refused(client: TestClient) -> None:
    """A DNS-rebinding page reaches a loopback console under its own name: refused."""
    reply = client.get("/programs", headers={"host": "attacker.example"})
    assert reply.status_code == 400 and "not attacker.example" in reply.text


def test_requests_from_another_site_are_refused(client: TestClient) -> None:
    body = {"text": "x"}
    reply = client.post("/api/validate", json=body, headers={"origin": "http://attacker.example"})
    assert reply.status_code == 403 and "another site" in reply.text
    same = client.post("/api/validate", json=body, headers={"origin": "http://testserver"})
    assert same.status_code == 200


@pytest.fixture
def guarded(env: dict[str, str]) -> TestClient:
    config = WebConfig(env=env, hosts=("*",), token=TOKEN, profiles=sim_profiles())
    return TestClient(create_app(config), follow_redirects=False)


def test_beyond_loopback_every_request_needs_the_token(guarded: TestClient) -> None:
    assert guarded.get("/programs").status_code == 401
    assert guarded.get("/programs", headers={"authorization": "Bearer wrong-token"}).status_code == 401
    assert guarded.get("/programs", headers={"cookie": "massagectl_token=wrong"}).status_code == 401
    assert guarded.get("/programs", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_the_token_in_the_address_once_becomes_a_cookie(guarded: TestClient) -> None:
    first = guarded.get(f"/programs?token={TOKEN}&device=foot")
    assert first.status_code == 303 and first.headers["location"] == "/programs?device=foot"
    cookie = first.headers["set-cookie"]
    assert f"massagectl_token={TOKEN}" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert guarded.get("/programs").status_code == 200  # the client kept the cookie
    assert guarded.get("/programs?token=wrong").status_code == 401


def test_loopback_and_token_rules() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("myhost")
    assert allowed_hosts("127.0.0.1") == ("127.0.0.1", "localhost", "[::1]", "::1")
    assert allowed_hosts("0.0.0.0") == ("*",)
    loud = "\n".join(startup_lines("0.0.0.0", 8765, Path("/etc/t")))
    assert "REACHABLE FROM OTHER MACHINES" in loud and "/etc/t" in loud


def test_listening_beyond_loopback_without_a_token_is_refused() -> None:
    result = CliRunner().invoke(main, ["web", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 2
    assert "reachable from other machines: give --token-file FILE" in result.output


@pytest.mark.parametrize(("content", "words"), [
    ("short\n", "at least 16"), ("two words that are long enough\n", "one word"), (None, "cannot read"),
])
def test_a_weak_or_missing_token_file_is_refused(tmp_path: Path, content: str | None, words: str) -> None:
    path = tmp_path / "token"
    if content is not None:
        path.write_text(content)
    with pytest.raises(WebSetupError, match=words):
        read_token(path)
    assert read_token(_written(tmp_path / "good", TOKEN + "\n")) == TOKEN


def _written(path: Path, text: str) -> Path:
    path.write_text(text)
    return path
