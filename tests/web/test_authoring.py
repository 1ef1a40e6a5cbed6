"""The authoring pages and API, through Starlette's test client: the same answers as the command line."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from controller.cli import main
from controller.cli.simdevice import sim_profile_capabilities
from controller.program.validate import validate_file
from controller.safety.limits import DEFAULT_SESSION_LIMIT_S

BAD = Path(__file__).resolve().parents[1] / "bad_programs"
DEVICES = [sim_profile_capabilities("foot"), sim_profile_capabilities("chair")]
GOOD = """\
schema_version: 1
id: evening
name: Evening
description: A short evening program.
intensity_class: light
steps:
  - name: warm
    duration: 1m
    zones: [heel]
    motion: knead
    intensity: 4
    speed: 2
"""


def test_the_library_lists_built_in_and_user_programs(client: TestClient, user_dir: Path) -> None:
    user_dir.mkdir(parents=True)
    (user_dir / "evening.yaml").write_text(GOOD)
    (user_dir / "broken.yaml").write_text("id: [\n")
    page = client.get("/programs")
    assert page.status_code == 200
    assert 'href="/programs/sleep"' in page.text and 'href="/programs/evening"' in page.text
    assert re.search(r"broken\.yaml:\d+: ", page.text)  # the invalid file, as `list` reports it


def test_a_program_page_shows_description_conditions_plot_and_table(client: TestClient) -> None:
    page = client.get("/programs/sleep")
    assert page.status_code == 200
    assert "Slow long strokes and circles" in page.text
    assert "deep-vein thrombosis" in page.text and "Caution, elderly user:" in page.text
    assert "Keep heat low and check the skin afterwards." in page.text
    svg = page.text[page.text.index("<svg"):page.text.index("</svg>")]
    assert "Sleep on FootMate Sim" in svg  # matplotlib's title comment: the `plot` picture itself
    rows = re.findall(r"<tr><td>(\d+:\d\d)</td>", page.text)
    assert rows[:3] == ["0:00", "2:00", "3:00"] and len(rows) == 12  # as `massagectl show sleep`
    assert "<?xml" not in page.text and "<!DOCTYPE svg" not in page.text


def test_the_program_page_compiles_for_the_chair_when_asked(client: TestClient) -> None:
    page = client.get("/programs/sleep?device=chair")
    assert page.status_code == 200
    assert "Timeline on ReclineRelax Sim" in page.text
    assert "feet" in page.text  # foot zones run on the chair's feet zone


@pytest.mark.parametrize("ref", ["~root", "x.yaml", "..%2F..%2Fetc%2Fpasswd", ".hidden", "nope"])
def test_program_names_never_open_files_elsewhere(client: TestClient, ref: str) -> None:
    page = client.get(f"/programs/{ref}")
    assert page.status_code == 404
    assert "root:" not in page.text


def _validate(client: TestClient, text: str, file: str) -> list[str]:
    reply = client.post("/api/validate", json={"text": text, "file": file})
    assert reply.status_code == 200, reply.text
    return [e["text"] for e in reply.json()["errors"]]


def _typeable(path: Path) -> bool:
    """Whether a browser's textarea can hold the file (UTF-8 text; a BOM-less UTF-16 file cannot)."""
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


TYPEABLE = [p for p in sorted(BAD.glob("*.yaml")) if _typeable(p)]


@pytest.mark.parametrize("path", TYPEABLE, ids=lambda p: p.stem)
def test_the_editor_reports_every_error_exactly_as_validate(client: TestClient, path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_bytes().decode("utf-8")
    monkeypatch.chdir(path.parent)
    expected, _ = validate_file(Path(path.name), DEVICES, DEFAULT_SESSION_LIMIT_S)
    assert expected, "a bad program with no error"
    assert _validate(client, text, path.name) == [str(e) for e in expected]


def test_the_editor_matches_the_validate_command_line(client: TestClient,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BAD)
    result = CliRunner().invoke(main, ["validate", "several_errors.yaml"])
    printed = [line for line in result.output.splitlines() if line.startswith("several_errors.yaml:")]
    assert len(printed) >= 3
    text = (BAD / "several_errors.yaml").read_text()
    assert _validate(client, text, "several_errors.yaml") == printed


def test_an_error_carries_its_line(client: TestClient) -> None:
    text = GOOD.replace("intensity: 4", "intensity: 11")
    reply = client.post("/api/validate", json={"text": text, "file": "evening.yaml"}).json()
    assert reply["errors"] == [{"text": "evening.yaml:11: step 1 (warm): intensity: 11 is out of range 0..10",
                                "line": 11, "message": "11 is out of range 0..10"}]
    ok = client.post("/api/validate", json={"text": GOOD, "file": "evening.yaml"}).json()
    assert ok == {"errors": [], "summary": "evening, 1m, runs on FootMate Sim, ReclineRelax Sim"}


@pytest.mark.parametrize(("body", "headers", "status", "words"), [
    (b"{not json", {"content-type": "application/json"}, 400, "not valid JSON"),
    (b"[1, 2]", {"content-type": "application/json"}, 400, "must be a JSON object"),
    (b'{"text": 5}', {"content-type": "application/json"}, 400, "'text' must be a string"),
    (b'{"file": "x.yaml"}', {"content-type": "application/json"}, 400, "'text' is missing"),
    (b'{"text": "a"}', {"content-type": "text/plain"}, 415, "application/json"),
    (b"x" * 300_000, {"content-type": "application/json"}, 413, "larger than"),
])
def test_bad_requests_get_a_clear_error(client: TestClient, body: bytes, headers: dict[str, str], status: int,
                                        words: str) -> None:
    reply = client.post("/api/validate", content=body, headers=headers)
    assert reply.status_code == status
    assert words in reply.json()["error"]


def test_a_file_over_the_size_limit_is_refused_as_validate_refuses_it(client: TestClient) -> None:
    errors = _validate(client, GOOD + "#" * 70_000 + "\n", "big.yaml")
    assert errors == [f"big.yaml:1: file is {len(GOOD) + 70_001} bytes; program files are limited to 65536"]


def test_check_says_what_check_says(client: TestClient, env: dict[str, str], tmp_path: Path) -> None:
    profile = Path(env["XDG_CONFIG_HOME"]) / "massagectl" / "health.yaml"
    profile.parent.mkdir(parents=True)
    profile.write_text("conditions: [neuropathy]\n")
    reply = client.post("/api/check", json={"program": "sleep"})
    assert reply.status_code == 200
    data = reply.json()
    cli = CliRunner().invoke(main, ["check", "sleep"], env=env)
    findings = [line.strip() for line in cli.output.splitlines() if line.startswith("  ")]
    assert [f["text"] for f in data["findings"]] == findings
    assert data["findings"][0]["level"] == "refuse" and "neuropathy" in findings[0]
    assert data["refused"] is True and data["verdict"] == cli.output.splitlines()[-1]
    assert data["health"] == str(profile)


def test_check_of_editor_text_and_of_a_malformed_profile(client: TestClient, env: dict[str, str]) -> None:
    reply = client.post("/api/check", json={"text": GOOD, "file": "evening.yaml", "device": "chair"}).json()
    assert reply["verdict"] == "may run" and reply["device"] == "ReclineRelax Sim"
    profile = Path(env["XDG_CONFIG_HOME"]) / "massagectl" / "health.yaml"
    profile.parent.mkdir(parents=True)
    profile.write_text("conditions: [nonsense]\n")
    bad = client.post("/api/check", json={"text": GOOD})
    assert bad.status_code == 422
    assert bad.json()["error"].startswith("your health profile cannot be read:")
    broken = client.post("/api/check", json={"text": "id: [", "file": "x.yaml"})
    assert broken.status_code == 422 and broken.json()["errors"][0]["text"].startswith("x.yaml:1:")


def test_saving_writes_the_user_folder_by_id(client: TestClient, user_dir: Path) -> None:
    reply = client.post("/api/save", json={"text": GOOD, "file": "../../../etc/evening.yaml"})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"saved": str(user_dir / "evening.yaml"), "id": "evening",
                            "url": "/programs/evening"}
    assert (user_dir / "evening.yaml").read_text() == GOOD
    assert sorted(p.name for p in user_dir.iterdir()) == ["evening.yaml"]  # no temporary file left
    assert client.get("/programs/evening").status_code == 200


def test_saving_never_replaces_what_the_editor_did_not_open(client: TestClient, user_dir: Path) -> None:
    assert client.post("/api/save", json={"text": GOOD}).status_code == 200
    changed = GOOD.replace("A short evening program.", "Changed.")
    again = client.post("/api/save", json={"text": changed})
    assert again.status_code == 409 and again.json()["exists"] is True and again.json()["id"] == "evening"
    assert (user_dir / "evening.yaml").read_text() == GOOD
    replaced = client.post("/api/save", json={"text": changed, "replace": "evening"})
    assert replaced.status_code == 200 and (user_dir / "evening.yaml").read_text() == changed


def test_saving_refuses_invalid_text_built_in_ids_and_a_second_file_with_one_id(client: TestClient,
                                                                                user_dir: Path) -> None:
    invalid = client.post("/api/save", json={"text": GOOD.replace("speed: 2", "speed: 9"), "file": "e.yaml"})
    assert invalid.status_code == 422
    assert invalid.json()["errors"][0]["text"] == "e.yaml:12: step 1 (warm): speed: 9 is out of range 1..5"
    built_in = client.post("/api/save", json={"text": GOOD.replace("id: evening", "id: sleep")})
    assert built_in.status_code == 422
    assert "'sleep' is a built-in program" in built_in.json()["errors"][0]["text"]
    user_dir.mkdir(parents=True)
    (user_dir / "other-name.yaml").write_text(GOOD)
    clash = client.post("/api/save", json={"text": GOOD})
    assert clash.status_code == 422 and "already has the id 'evening'" in clash.json()["errors"][0]["text"]
    assert sorted(p.name for p in user_dir.iterdir()) == ["other-name.yaml"]


def test_saving_where_a_file_blocks_the_folder_says_so(client: TestClient, user_dir: Path) -> None:
    user_dir.parent.mkdir(parents=True)
    user_dir.write_text("not a folder")
    reply = client.post("/api/save", json={"text": GOOD})
    assert reply.status_code == 422
    assert reply.json()["errors"][0]["text"] == (
        f"{user_dir} is not a folder (a file is in the way); move it aside to save programs")


@pytest.mark.parametrize(("code", "words"), [
    (errno.ENOSPC, "the disk is full: no room to save evening.yaml in"),
    (errno.EROFS, "is on a read-only file system; programs cannot be saved there"),
    (errno.EACCES, "no permission to write in"),
])
def test_a_failed_write_is_explained_and_leaves_the_old_file(client: TestClient, user_dir: Path,
                                                             monkeypatch: pytest.MonkeyPatch, code: int,
                                                             words: str) -> None:
    """The operating system's refusal is injected at fsync (a test run as root cannot fill a disk or be
    denied a folder); the real write path runs up to it, and must clean up after it."""
    user_dir.mkdir(parents=True)
    (user_dir / "evening.yaml").write_text("old")

    def refuse(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", refuse)
    reply = client.post("/api/save", json={"text": GOOD, "replace": "evening"})
    assert reply.status_code == 422
    assert words in reply.json()["errors"][0]["text"]
    assert (user_dir / "evening.yaml").read_text() == "old"
    assert sorted(p.name for p in user_dir.iterdir()) == ["evening.yaml"]


def test_the_editor_opens_a_program_and_a_new_starter(client: TestClient) -> None:
    page = client.get("/programs/sleep/edit")
    assert page.status_code == 200 and 'data-file="sleep.yaml"' in page.text
    assert "id: sleep" in page.text and 'data-replace=""' in page.text  # a built-in is never replaced
    new = client.get("/new?id=my-feet")
    assert new.status_code == 200 and 'id: &#34;my-feet&#34;' in new.text
    bad = client.get("/new?id=../x")
    assert bad.status_code == 400 and "is not a valid program id" in bad.text
