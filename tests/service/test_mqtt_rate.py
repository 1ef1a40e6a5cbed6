"""MIN_STATE_INTERVAL_S: a device's progress reaches the broker at most every interval (older updates are
dropped, never queued); a new state goes at once. On a virtual clock, with publishing recorded instead of
sent, so the rule itself is what is tested (test_mqtt_broker.py has the real broker)."""

from __future__ import annotations

import dataclasses

import pytest

from controller.cli.run_session import link_factory
from controller.clock import VirtualClock
from controller.service.api import DeviceStatus
from controller.service.config import BrokerConfig, sim_config
from controller.service.hub import ServiceHub
from controller.service.mqtt import MIN_STATE_INTERVAL_S, MqttBridge

STATUS = DeviceStatus(device_id="sim-1", name="Sim 1", kind="foot", state="running", program_id="sleep",
                      program_name="Sleep", step=1, step_name="", next_step_name="", position_s=0.0,
                      total_s=600.0, intensity_offset=0, zones=(), temperature_c=None, fault="", note="",
                      remote_start=False, revision=1, model="Sim", firmware="1")


@pytest.fixture
def bridge() -> tuple[MqttBridge, VirtualClock, list[float | str]]:
    clock = VirtualClock()
    hub = ServiceHub(sim_config(1), clock=clock, sim_opener=lambda d: link_factory(None, "foot", clock, None))
    bridge = MqttBridge(hub, BrokerConfig(host="127.0.0.1"), clock=clock)
    sent: list[float | str] = []
    bridge._connected.set()
    bridge._described["sim-1"] = ("Sim", "1")  # discovery already said the model: states go as states
    bridge._publish = lambda topic, payload, retain=False: sent.append(clock.now())  # type: ignore[method-assign]
    return bridge, clock, sent


def _progress(bridge: MqttBridge, position_s: float, state: str = "running") -> None:
    bridge._on_status(dataclasses.replace(STATUS, position_s=position_s, state=state))


def test_progress_waits_for_its_interval_and_only_the_latest_goes(
        bridge: tuple[MqttBridge, VirtualClock, list[float]]) -> None:
    b, clock, sent = bridge
    _progress(b, 1.0)
    b._publish_due()
    assert sent == [0.0]
    for k in range(10):  # ten updates within the interval: none goes yet
        clock.advance(MIN_STATE_INTERVAL_S / 20)
        _progress(b, 2.0 + k)
        wait_s = b._publish_due()
        assert sent == [0.0]
    assert wait_s == pytest.approx(MIN_STATE_INTERVAL_S / 2)
    clock.advance(wait_s)
    b._publish_due()
    assert sent == [0.0, pytest.approx(MIN_STATE_INTERVAL_S)]  # one message for the ten
    assert not b._pending


def test_a_new_state_goes_at_once(bridge: tuple[MqttBridge, VirtualClock, list[float]]) -> None:
    b, clock, sent = bridge
    _progress(b, 1.0)
    b._publish_due()
    clock.advance(0.01)
    _progress(b, 1.01, state="paused")
    b._publish_due()
    assert sent == [0.0, 0.01]
