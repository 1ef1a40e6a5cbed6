"""The devices `massagectl web` drives itself: the serve hub (controller/service/), without MQTT.

`--sim N` runs N simulators (foot, chair, foot, …) and `--config FILE` the devices of a `massagectl serve`
configuration; either way each device has its own supervisor, safety gate, session limit and logs, exactly
as under `serve`. A broker in the file is left to `serve`: the console itself speaks no MQTT.
"""

from __future__ import annotations

from pathlib import Path

from controller.clock import RealClock
from controller.service.hub import ServiceHub


def web_hub(config_path: Path | None, sims: int | None, *, remote_start: bool, no_log: bool,
            dirs: tuple[Path, ...]) -> tuple[ServiceHub, list[str]]:
    """The hub for these options (not yet started), and notes for the user."""
    from controller.cli.run_session import link_factory
    from controller.service.config import load_config, sim_config

    config = load_config(config_path) if config_path is not None else sim_config(sims or 1,
                                                                                remote_start=remote_start)
    notes = []
    if config.broker is not None:
        notes.append(f"{config_path}: the broker is not used by `massagectl web`; `massagectl serve` "
                     "publishes the devices on MQTT")
    config = config.model_copy(update={"broker": None, "logs": config.logs and not no_log,
                                       "program_dirs": [*dirs, *config.program_dirs]})
    clock = RealClock()
    return ServiceHub(config, clock=clock,
                      sim_opener=lambda d: link_factory(None, d.sim or "foot", clock, None)), notes
