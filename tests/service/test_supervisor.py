"""The hub and its per-device supervisors over in-process simulators on a virtual clock.

Commands whose moment matters are sent from the device's own thread (Watcher.when), where virtual time
stands still, so each test is deterministic; the simulator's actuator record is the judge.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from controller.clock import RealClock, VirtualClock
from controller.errors import PortNotFound
from controller.service.api import Command, CommandRefused, DeviceStatus
from controller.service.config import DeviceConfig
from controller.service.hub import ServiceHub
from controller.wire.link import Link
from sim.records import TimelineEntry
from tests.integration.harness import state_at
from tests.service.helpers import SimBench, Watcher, config, device, running_hub

PROGRAM = "circulation-warmup"


def ready(s: DeviceStatus) -> bool:
    return s.state == "ready"


def at(position_s: float) -> object:
    return lambda s: s.state == "running" and s.position_s >= position_s


def max_intensity(timeline: list[TimelineEntry]) -> int:
    return max((e.intensity for e in timeline), default=0)


def test_a_program_runs_to_the_end_with_a_session_log(tmp_path: Path) -> None:
    bench = SimBench(VirtualClock())
    with running_hub(config(device("a"), log_dir=tmp_path), bench) as (hub, watchers):
        watchers["a"].wait(ready)
        hub.device("a").command(Command.START, program=PROGRAM)
        done = watchers["a"].wait(lambda s: "completed" in s.note)
        assert done.state == "ready" and done.program_id == "" and done.started_by == ""
    sim = bench.devices["a"]
    assert state_at(sim.timeline, sim.timeline[-1].t) == {}, "everything off at the end"
    (log_file,) = tmp_path.glob("session-*-a.jsonl")
    records = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert records[0]["kind"] == "session" and records[0]["program"] == PROGRAM
    assert records[-1]["kind"] == "end" and records[-1]["outcome"] == "completed"
    assert any(r["kind"] == "tx" for r in records), "the wire is logged as by `run`"


def test_remote_start_is_refused_unless_the_device_allows_it() -> None:
    bench = SimBench(RealClock())  # several devices: real time, so no thread moves another's clock
    with running_hub(config(device("shy"), device("open", remote_start=True)), bench) as (hub, watchers):
        for w in watchers.values():
            w.wait(ready)
        with pytest.raises(CommandRefused, match="remote start is off"):
            hub.device("shy").command(Command.START, program=PROGRAM, origin="mqtt")
        hub.device("open").command(Command.START, program=PROGRAM, origin="mqtt")
        assert watchers["open"].wait(lambda s: s.state == "running").started_by == "mqtt"
        hub.device("open").command(Command.EMERGENCY_STOP, origin="mqtt")
        watchers["open"].wait(lambda s: s.state == "emergency_stop")
    assert not bench.devices["shy"].applied, "the refused device never moved"


@pytest.mark.parametrize(("command", "kwargs", "message"), [
    (Command.START, {"program": "no-such-program"}, "no program named"),
    (Command.START, {}, "needs a program"),
    (Command.SET_INTENSITY, {"level": "5"}, "whole-number"),
    (Command.SET_INTENSITY, {"level": True}, "whole-number"),
    (Command.PAUSE, {}, "nothing is running"),
    (Command.SKIP, {}, "nothing is running"),
])
def test_bad_commands_are_refused_with_a_reason(command: Command, kwargs: dict[str, object],
                                                message: str) -> None:
    bench = SimBench(VirtualClock())
    with running_hub(config(device("a")), bench) as (hub, watchers):
        watchers["a"].wait(ready)
        with pytest.raises(CommandRefused, match=message):
            hub.device("a").command(command, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(CommandRefused, match="no device"):
        hub.device("b")


def test_the_same_safety_gate_as_run(tmp_path: Path) -> None:
    dvt = tmp_path / "dvt.yaml"
    dvt.write_text("schema_version: 1\nconditions: [deep_vein_thrombosis]\n")
    bench = SimBench(RealClock())
    devices = (device("dvt", health_profile=dvt), device("unacked"), device("acked", acknowledge=True))
    with running_hub(config(*devices), bench) as (hub, watchers):
        for w in watchers.values():
            w.wait(ready)
        with pytest.raises(CommandRefused, match="deep-vein thrombosis"):
            hub.device("dvt").command(Command.START, program=PROGRAM)
        with pytest.raises(CommandRefused, match="acknowledge"):
            hub.device("unacked").command(Command.START, program="sleep")
        hub.device("acked").command(Command.START, program="sleep")
        watchers["acked"].wait(lambda s: s.state == "running")
        hub.device("acked").command(Command.STOP)
        watchers["acked"].wait(lambda s: "stopped" in s.note)


def test_the_session_limit_ends_a_long_program() -> None:
    bench = SimBench(VirtualClock())
    with running_hub(config(device("a", limits={"session_limit_min": 1})), bench) as (hub, watchers):
        watchers["a"].wait(ready)
        hub.device("a").command(Command.START, program=PROGRAM)  # a 6-minute program
        # the timeline is cut at the limit, so it ends there as completed or as stopped by the limit
        watchers["a"].wait(lambda s: s.note in ("Circulation warm-up: session limit",
                                                "Circulation warm-up: completed"))
    on = [e for e in bench.devices["a"].timeline if not e.is_off]
    assert on[-1].t - on[0].t <= 60 + 3 + 0.5, "at most the limit, then the soft stop's 3 s ramp"


def test_an_intensity_above_the_limits_is_clamped_and_says_so() -> None:
    bench = SimBench(VirtualClock())
    with running_hub(config(device("a", limits={"max_intensity": 4})), bench) as (hub, watchers):
        w = watchers["a"]
        w.wait(ready)
        handle = hub.device("a")
        # both actions before START: on a virtual clock the program may run to its end while this thread
        # waits, so an action registered later could come too late
        w.when(at(30), lambda s: handle.command(Command.SET_INTENSITY, level=15))
        w.when(at(60), lambda s: handle.command(Command.EMERGENCY_STOP))
        handle.command(Command.START, program=PROGRAM)
        clamped = w.wait(lambda s: s.intensity_offset == 9)
        assert "asked +15" in clamped.note and "held at 4/10" in clamped.note
        w.wait(lambda s: s.state == "emergency_stop")
    assert max_intensity(bench.devices["a"].timeline) <= 4, "the foot simulator's scale is 0..10"


@pytest.mark.parametrize("state", ["running", "paused", "stopping"])
@pytest.mark.parametrize("command", [Command.STOP, Command.EMERGENCY_STOP])
def test_stop_and_emergency_stop_are_honoured_while_playing(state: str, command: Command) -> None:
    bench = SimBench(VirtualClock())
    with running_hub(config(device("a", remote_start=True)), bench) as (hub, watchers):
        w = watchers["a"]
        w.wait(ready)
        handle = hub.device("a")
        if state != "running":
            w.when(at(20), lambda s: handle.command(Command.PAUSE if state == "paused" else Command.STOP))
        w.when(lambda s: s.state == state and s.position_s >= 20,
               lambda s: handle.command(command, origin="mqtt"))
        handle.command(Command.START, program=PROGRAM, origin="mqtt")
        end = w.wait(lambda s: s.note.startswith("Circulation warm-up:"))
        assert end.state == ("emergency_stop" if command == Command.EMERGENCY_STOP else "ready")
    sim = bench.devices["a"]
    assert state_at(sim.timeline, sim.timeline[-1].t) == {}
    assert sim.timeline[-1].t - sim.applied[0].t < 20 + 3 + 1.5, "stopped within the soft stop's ramp"


@pytest.mark.parametrize("command", [Command.STOP, Command.EMERGENCY_STOP, Command.CLEAR])
def test_stop_emergency_stop_and_clear_are_never_refused_while_idle(command: Command) -> None:
    bench = SimBench(VirtualClock())
    with running_hub(config(device("a")), bench) as (hub, watchers):
        watchers["a"].wait(ready)
        hub.device("a").command(command, origin="mqtt")
        expected = {Command.STOP: "stop: nothing", Command.EMERGENCY_STOP: "emergency stop",
                    Command.CLEAR: "cleared"}
        watchers["a"].wait(lambda s: s.note.startswith(expected[command]))


def test_emergency_stop_latches_until_cleared() -> None:
    bench = SimBench(VirtualClock())
    with running_hub(config(device("a")), bench) as (hub, watchers):
        w = watchers["a"]
        w.wait(ready)
        handle = hub.device("a")
        handle.command(Command.EMERGENCY_STOP)
        w.wait(lambda s: s.state == "emergency_stop")
        with pytest.raises(CommandRefused, match="not ready"):
            handle.command(Command.START, program=PROGRAM)
        w.clear()
        handle.command(Command.CLEAR)
        w.wait(ready)
        handle.command(Command.START, program=PROGRAM)
        w.wait(lambda s: s.state == "running")


def test_the_devices_stop_button_during_a_remote_session_latches_it() -> None:
    bench = SimBench(VirtualClock())
    with running_hub(config(device("a", remote_start=True)), bench) as (hub, watchers):
        w = watchers["a"]
        w.wait(ready)
        sim_clock = bench.clock
        w.when(at(15), lambda s: bench.devices["a"].press_stop_button(sim_clock.now()))
        hub.device("a").command(Command.START, program=PROGRAM, origin="mqtt")
        end = w.wait(lambda s: s.state == "emergency_stop")
        assert "stop button" in end.note or "emergency" in end.note
    sim = bench.devices["a"]
    assert state_at(sim.timeline, sim.timeline[-1].t) == {}


def test_a_device_that_is_not_there_is_retried_with_backoff_then_found() -> None:
    clock = VirtualClock()
    bench = SimBench(clock)
    attempts: list[float] = []

    def opener(cfg: DeviceConfig) -> object:
        real = bench.opener(cfg)

        def open_link() -> Link:
            attempts.append(clock.now())
            if len(attempts) <= 4:
                raise PortNotFound("no such port 'test': check the cable")
            return real()

        return open_link

    hub = ServiceHub(config(device("a")), clock=clock, sim_opener=opener)  # type: ignore[arg-type]
    w = Watcher()
    hub.device("a").subscribe(w)
    hub.start()
    try:
        w.wait(ready)
    finally:
        assert hub.stop() == []
    gaps = [round(b - a, 3) for a, b in zip(attempts, attempts[1:], strict=False)]
    assert gaps == [0.5, 1.0, 2.0, 4.0]
    assert any("retrying in 2 s" in s.note for s in w.seen), "the backoff is visible in the status"


def test_one_failing_device_leaves_the_others_running() -> None:
    clock = RealClock()
    bench = SimBench(clock)

    def opener(cfg: DeviceConfig) -> object:
        if cfg.id == "broken":
            def crash() -> Link:
                raise RuntimeError("a bug in one device's driver")
            return crash
        return bench.opener(cfg)

    hub = ServiceHub(config(device("broken"), device("good")), clock=clock, sim_opener=opener)  # type: ignore[arg-type]
    watchers = {h.device_id: Watcher() for h in hub.devices()}
    for h in hub.devices():
        h.subscribe(watchers[h.device_id])
    hub.device("good").subscribe(lambda s: 1 / 0)  # a front end's bug, too
    hub.start()
    try:
        assert "internal error" in watchers["broken"].wait(lambda s: bool(s.fault)).fault
        watchers["good"].wait(ready)
        hub.device("good").command(Command.START, program=PROGRAM)
        watchers["good"].wait(lambda s: s.state == "running" and s.position_s >= 1)
        hub.device("good").command(Command.STOP)
        watchers["good"].wait(lambda s: "stopped" in s.note)
    finally:
        assert hub.stop() == []
