"""The bad-program corpus: every file is rejected, on the exact line, with the exact message.

The table maps each file in tests/bad_programs/ to the lines `massagectl validate FILE` prints.
"""
# ruff: noqa: E501  (the table holds whole output lines, exactly as printed)

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import pytest

from controller.cli.simdevice import sim_profile_capabilities
from controller.errors import ProgramErrors
from controller.program.loader import MAX_FILE_BYTES, load_program_bytes, load_program_file
from controller.program.validate import validate_file
from controller.safety.limits import DEFAULT_SESSION_LIMIT_S

BAD = Path(__file__).resolve().parents[1] / "bad_programs"
DEVICES = [sim_profile_capabilities("foot"), sim_profile_capabilities("chair")]
CANARY = Path("/tmp/massagectl_canary_python_tag")

EXPECTED: dict[str, list[str]] = {
    'alias_bomb.yaml': [
        '{file}:1: YAML anchors (&a) are not allowed in program files',
        '{file}:2: YAML aliases (*a) are not allowed in program files',
    ],
    'bad_id.yaml': [
        "{file}:2: id: 'My Program' is not a valid id: use lower-case letters, digits, - and _ (at most 40, starting with a letter or digit)",
    ],
    'bad_schema_version.yaml': [
        '{file}:1: schema_version: unsupported schema_version 2; this massagectl reads schema_version 1',
    ],
    'boolean_speed.yaml': [
        "{file}:12: step 1 (knead heel): speed: must be a whole number 1..5, got 'yes'",
    ],
    'chair_zone_without_fallback.yaml': [
        "{file}:9: step 1 (knead heel): zones: zone 'neck' is not on FootMate Sim (it has: toe_tips, big_toe_pad, diaphragm, kidney, spine_arch, heel, ankle, ball, outer_edge, instep, calf); to run anyway, declare fallbacks: {zones: {neck: <zone>}}",
    ],
    'comments_only.yaml': [
        '{file}:1: file is empty; a program needs schema_version, id, name, description, intensity_class and steps',
    ],
    'condition_twice.yaml': [
        "{file}:8: cautions: condition 'edema' is both a contraindication and a caution; keep one",
    ],
    'custom_tag.yaml': [
        '{file}:8: YAML tags (!minutes) are not allowed in program files',
    ],
    'deep_nesting.yaml': [
        '{file}:6: nesting deeper than 8 levels is not allowed in program files (repeat blocks nest at most 2 deep)',
    ],
    'duplicate_key.yaml': [
        "{file}:13: key 'speed' appears twice (first on line 12)",
    ],
    'duplicate_zone.yaml': [
        "{file}:9: step 1 (knead heel): zones: zone 'heel' is listed twice",
    ],
    'empty_file.yaml': [
        '{file}:1: file is empty; a program needs schema_version, id, name, description, intensity_class and steps',
    ],
    'empty_repeat.yaml': [
        '{file}:9: step 1 (loop): steps: needs at least one step',
    ],
    'fractional_duration.yaml': [
        '{file}:8: step 1 (knead heel): duration: 90.5 is not a whole number of seconds',
    ],
    'heat_on_unheated_zones.yaml': [
        "{file}:13: step 1 (knead heel): heat: 'high' asked but none of toe_tips, ankle is heated on FootMate Sim (heated zones: diaphragm, kidney, spine_arch, heel, ball); to run without it, declare fallbacks: {heat: skip}",
    ],
    'infinite_intensity.yaml': [
        "{file}:11: intensity: '.inf' is not a finite number",
    ],
    'intensity_5000_digits.yaml': [
        "{file}:11: intensity: '9999999999999999999999999999999999999999…' (5000 characters) is not a number massagectl can read",
    ],
    'intensity_negative.yaml': [
        '{file}:11: step 1 (knead heel): intensity: -1 is out of range 0..10',
    ],
    'intensity_too_high.yaml': [
        '{file}:11: step 1 (knead heel): intensity: 12 is out of range 0..10',
    ],
    'intensity_word.yaml': [
        "{file}:11: step 1 (knead heel): intensity: must be a whole number 0..10 or a ramp like {from: 2, to: 6}, got 'high'",
    ],
    'merge_key.yaml': [
        '{file}:7: YAML merge keys (<<) are not allowed in program files',
    ],
    'missing_keys.yaml': [
        "{file}:7: step 1 (half a step): missing required key 'motion'",
        "{file}:7: step 1 (half a step): missing required key 'intensity'",
        "{file}:7: step 1 (half a step): missing required key 'speed'",
    ],
    'motion_fallback_unknown.yaml': [
        "{file}:7: fallbacks.motions.swing: unknown motion 'rol'; did you mean 'roll'?",
    ],
    'nan_duration.yaml': [
        "{file}:8: duration: '.nan' is not a finite number",
    ],
    'negative_duration.yaml': [
        '{file}:8: step 1 (knead heel): duration: must be more than 0 s, got -30',
    ],
    'no_steps.yaml': [
        '{file}:6: steps: needs at least one step',
    ],
    'not_utf8.yaml': [
        '{file}:3: file is not UTF-8 text (byte 0xe9); save it as UTF-8',
    ],
    'nul_byte.yaml': [
        '{file}:3: file holds a NUL character; it is not a text file',
    ],
    'python_object_tag.yaml': [
        '{file}:6: YAML tags (tag:yaml.org,2002:python/object/apply:os.system) are not allowed in program files',
    ],
    'ramp_leaves_range.yaml': [
        '{file}:11: step 1 (knead heel): intensity.to: 11 leaves the intensity range 0..10',
    ],
    'repeat_absurd.yaml': [
        '{file}:8: step 1 (loop): repeat: 1000000 is out of range 1..100',
    ],
    'repeat_zero.yaml': [
        '{file}:8: step 1 (loop): repeat: 0 is out of range 1..100',
    ],
    'several_errors.yaml': [
        "{file}:9: step 1 (knead heel): zones: unknown zone 'hele'; did you mean 'heel'?",
        "{file}:16: step 2 (second): motion: unknown motion 'rub'; expected one of: roll, knead, swing, stroke, circle, press, pulse, compress, vibrate",
        '{file}:18: step 2 (second): speed: 7 is out of range 1..5',
    ],
    'speed_out_of_range.yaml': [
        '{file}:12: step 1 (knead heel): speed: 0 is out of range 1..5',
    ],
    'step_longer_than_session.yaml': [
        '{file}:8: step 1 (knead heel): duration: 45m is longer than a whole session may last (30m)',
    ],
    'step_not_a_mapping.yaml': [
        "{file}:7: step 1: a step must be a mapping of keys (duration, zones, motion, ...), got 'knead the heel for a minute'",
    ],
    'top_level_list.yaml': [
        '{file}:1: a program is a mapping of keys (schema_version, id, name, description, intensity_class and steps), not a list',
    ],
    'total_over_session_limit.yaml': [
        '{file}:6: steps: program lasts 16m (960 s); the session limit is 15m (900 s)',
    ],
    'travel_one_zone.yaml': [
        '{file}:8: step 1 (line): travel: a travel needs at least 2 zones',
    ],
    'two_documents.yaml': [
        "{file}:13: program files hold one YAML document; remove the second '---'",
    ],
    'unknown_condition.yaml': [
        "{file}:6: contraindications: unknown condition 'diabetes'; did you mean 'advanced_diabetes'?",
    ],
    'unknown_heat.yaml': [
        "{file}:13: step 1 (knead heel): heat: unknown heat level 'warm'; expected one of: off, low, high",
    ],
    'unknown_key_at_top.yaml': [
        "{file}:6: unknown key 'contraindication'; did you mean 'contraindications'?",
    ],
    'unknown_key_in_ramp.yaml': [
        "{file}:11: step 1 (knead heel): intensity: unknown key 'too'; did you mean 'to'?",
    ],
    'unknown_key_in_step.yaml': [
        "{file}:9: step 1 (knead heel): unknown key 'zone'; did you mean 'zones'?",
    ],
    'unknown_motion.yaml': [
        "{file}:10: step 1 (knead heel): motion: unknown motion 'kneed'; did you mean 'knead'?",
    ],
    'unknown_zone.yaml': [
        "{file}:9: step 1 (knead heel): zones: unknown zone 'hele'; did you mean 'heel'?",
    ],
    'unparsable_duration.yaml': [
        "{file}:8: step 1 (knead heel): duration: cannot read 'ten minutes': write it like 90s, 2m, 1m30s or a number of seconds",
    ],
    'utf16_with_bom.yaml': [
        '{file}:1: file is UTF-16-encoded; save it as UTF-8',
    ],
    'wrong_types.yaml': [
        '{file}:9: step 1 (knead heel): zones: must be a zone name or a list of zone names, got 5',
        "{file}:12: step 1 (knead heel): speed: must be a whole number 1..5, got 'fast'",
    ],
    'yaml_bad_indentation.yaml': [
        "{file}:9: YAML syntax error (column 4): expected <block end>, but found '<block mapping start>' while parsing a block collection started on line 7; check the indentation",
    ],
    'yaml_syntax_error.yaml': [
        "{file}:10: YAML syntax error (column 11): expected ',' or ']', but got ':' while parsing a flow sequence started on line 9",
    ],
    'zero_duration.yaml': [
        "{file}:8: step 1 (knead heel): duration: must be more than 0 s, got '0s'",
    ],
}


def _messages(path: Path) -> list[str]:
    errors, _ = validate_file(path, DEVICES, DEFAULT_SESSION_LIMIT_S)
    return [str(e) for e in errors]


def test_corpus_is_large_and_fully_listed() -> None:
    files = sorted(p.name for p in BAD.iterdir())
    assert len(files) >= 30
    assert files == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_program_is_rejected_on_the_exact_line(name: str) -> None:
    path = BAD / name
    expected = [line.replace("{file}", str(path)) for line in EXPECTED[name]]
    started = time.perf_counter()
    assert _messages(path) == expected
    assert time.perf_counter() - started < 1.0


def test_python_tag_runs_nothing() -> None:
    CANARY.unlink(missing_ok=True)
    with pytest.raises(ProgramErrors):
        load_program_file(BAD / "python_object_tag.yaml")
    assert not CANARY.exists()


@pytest.mark.parametrize("name", ["alias_bomb.yaml", "deep_nesting.yaml"])
def test_hostile_yaml_is_cheap_to_refuse(name: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(ProgramErrors):
            load_program_file(BAD / name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024 * 1024


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# padding\n" * (10 * 1024 * 1024 // 10))
    started = time.perf_counter()
    with pytest.raises(ProgramErrors) as caught:
        load_program_file(path)
    assert time.perf_counter() - started < 1.0
    assert str(caught.value) == (
        f"{path}:1: file is {10 * 1024 * 1024} bytes; program files are limited to {MAX_FILE_BYTES}"
    )


def test_just_over_the_size_limit_in_memory() -> None:
    with pytest.raises(ProgramErrors) as caught:
        load_program_bytes(b" " * (MAX_FILE_BYTES + 1), "big.yaml")
    assert str(caught.value) == f"big.yaml:1: file is {MAX_FILE_BYTES + 1} bytes; program files are limited to 65536"


def test_utf8_bom_is_accepted() -> None:
    text = (BAD.parent.parent / "programs" / "sleep.yaml").read_bytes()
    assert load_program_bytes(b"\xef\xbb\xbf" + text, "bom.yaml").program.id == "sleep"


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    started = time.perf_counter()
    with pytest.raises(ProgramErrors) as caught:
        load_program_file(fifo)
    assert time.perf_counter() - started < 1.0
    assert "is a FIFO, not a regular file" in str(caught.value)


def test_device_file_is_refused() -> None:
    with pytest.raises(ProgramErrors) as caught:
        load_program_file(Path("/dev/zero"))
    assert str(caught.value) == (
        "/dev/zero:1: is a device file, not a regular file; refusing to read it"
    )


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ProgramErrors, match="no such file"):
        load_program_file(tmp_path / "nothing.yaml")
    with pytest.raises(ProgramErrors, match="is a directory"):
        load_program_file(tmp_path)
