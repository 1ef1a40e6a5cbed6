"""The massager simulator: a pure device model of firmware_protocol.md, reachable in-process, over a
pseudo-terminal or over TCP."""

from sim.device import Device
from sim.faults import FaultPlan
from sim.pair import SimTransport, make_pair

__all__ = ["Device", "FaultPlan", "SimTransport", "make_pair"]
