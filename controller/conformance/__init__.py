"""The conformance kit: checks any device — the simulator, the reference firmware, real hardware — against
firmware_protocol.md over the wire only (`massagectl conformance --port PORT`, docs/conformance.md).

The checks are plain functions over a small device-under-test interface (dut.Dut: frames out, frames in with
their times, a clock), so the same checks run from the command line on any pyserial port and in the test
suite against every backend.
"""

from controller.conformance.catalog import CHECK_IDS, CHECKS
from controller.conformance.host_wire import open_port
from controller.conformance.outcome import Status
from controller.conformance.report import to_json, to_text
from controller.conformance.runner import Options, Report, run_kit

__all__ = ["CHECKS", "CHECK_IDS", "Options", "Report", "Status", "open_port", "run_kit", "to_json", "to_text"]
