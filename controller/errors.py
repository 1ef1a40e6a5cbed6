"""Typed errors for every expected failure, shaped by what the caller does about them.

    class                              kind              exit
    MassagerError                      error             2  the base of every error raised on purpose
     ├── ProtocolError                 protocol          3  bytes or replies that break firmware_protocol.md
     │    ├── VersionMismatch          version_mismatch  3  the device speaks another protocol major
     │    └── UnsupportedDevice        unsupported_device 3  a legal device whose limits this host
     │                                                      cannot keep at this line rate (wire/handshake.py)
     ├── LinkError                     link              3  the serial link itself
     │    ├── PortNotFound             port_not_found    3  no such device path / URL
     │    ├── PortPermission           port_permission   3  permission denied (dialout group)
     │    ├── PortBusy                 port_busy         3  another process owns the port
     │    ├── NotAMassager             not_a_massager    3  no handshake reply
     │    ├── LinkTimeout              link_timeout      3  no answer after every retry (also a TimeoutError)
     │    └── LinkClosed               link_closed       3  device unplugged or port closed mid-session
     ├── DeviceRejected                device_rejected   4  the device answered NAK (carries the code)
     ├── DeviceFault                   device_fault      4  the device stopped itself (watchdog, overheat,
     │                                                      reset, its stop button; carries the reason)
     ├── ProgramError                  program           2  a program file is wrong (file, line, step, field)
     │    └── UnplacedProgramError     program           2  … of the file or name as a whole, no line
     │         │                                            (controller/program/diagnostics.py)
     │         └── ProgramExists       program           2  saving would replace a program the editor did
     │                                                      not open (controller/web/authoring.py)
     ├── ProgramErrors                 program           2  several ProgramErrors found in one pass
     ├── InputFileError                input_file        2  a file the user named cannot be read: missing,
     │                                                      a FIFO or device, too large (userfiles.py)
     ├── ConfigError                   config            2  a service configuration is wrong (each problem
     │                                                      with its file, line and field)
     ├── OutputError                   output            2  a file the user asked for cannot be written
     ├── LogError                      log               2  a session log that cannot be read
     │                                                      (controller/runs/report.py)
     ├── WebSetupError                 web_setup         2  the web console cannot start as asked: address,
     │                                                      token, port (controller/web/server.py)
     ├── SafetyRefusal                 safety_refusal    5  the safety policy or health profile refuses
     └── SessionError                  session           2  an illegal request for the session's state

`kind` is each class's stable name, written to session logs (a class may be renamed; its kind stays).
The command line maps each error to one clear message and its exit code (controller/cli/__init__.py
`exit_code_for`, the README's table); none reaches a user as a traceback. Front ends add their own
(controller/service/api.py CommandRefused).
"""

from __future__ import annotations

from typing import ClassVar


class MassagerError(Exception):
    """Base of every error this project raises on purpose."""

    kind: ClassVar[str] = "error"


class ProtocolError(MassagerError):
    """A frame or reply that breaks the protocol document."""

    kind: ClassVar[str] = "protocol"


class VersionMismatch(ProtocolError):
    """The device speaks a protocol major version this host does not."""

    kind: ClassVar[str] = "version_mismatch"


class UnsupportedDevice(ProtocolError):
    """A device within the protocol whose timers the host cannot feed at this line rate."""

    kind: ClassVar[str] = "unsupported_device"


class LinkError(MassagerError):
    """The serial link failed."""

    kind: ClassVar[str] = "link"


class PortNotFound(LinkError):
    """The port path or URL names nothing that can be opened."""

    kind: ClassVar[str] = "port_not_found"


class PortPermission(LinkError):
    """The operating system refused access to the port."""

    kind: ClassVar[str] = "port_permission"


class PortBusy(LinkError):
    """Another process holds the port."""

    kind: ClassVar[str] = "port_busy"


class NotAMassager(LinkError):
    """Something answered, or nothing did, but no massager handshake came back."""

    kind: ClassVar[str] = "not_a_massager"


class LinkTimeout(LinkError, TimeoutError):
    """The device did not answer a command after every retry."""

    kind: ClassVar[str] = "link_timeout"


class LinkClosed(LinkError):
    """The port went away (device unplugged) or was closed."""

    kind: ClassVar[str] = "link_closed"


class DeviceRejected(MassagerError):
    """The device answered a command with NAK."""

    kind: ClassVar[str] = "device_rejected"

    def __init__(self, message: str, code: int, detail: int) -> None:
        super().__init__(message)
        self.code = code
        self.detail = detail


class DeviceFault(MassagerError):
    """The device stopped on its own: watchdog, overheat, session cap, reset or its stop button."""

    kind: ClassVar[str] = "device_fault"

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ProgramError(MassagerError):
    """A program file or program name is wrong; carries where, so an author can fix it."""

    kind: ClassVar[str] = "program"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        step: int | None = None,
        step_name: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.step = step
        self.step_name = step_name
        self.field = field

    def __str__(self) -> str:
        where = f"{self.file or '<program>'}:{self.line if self.line is not None else '?'}: "
        if self.step is not None:
            where += f"step {self.step}" + (f" ({self.step_name})" if self.step_name else "") + ": "
        if self.field:
            where += f"{self.field}: "
        return where + self.message


class ProgramErrors(MassagerError):
    """Several ProgramErrors found in one pass: authors want all of them, not just the first."""

    kind: ClassVar[str] = "program"

    def __init__(self, errors: list[ProgramError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


class InputFileError(MassagerError):
    """A file the user named cannot be read: missing, a directory, a FIFO or device, too large."""

    kind: ClassVar[str] = "input_file"

    def __init__(self, path: object, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


class ConfigError(MassagerError):
    """A service configuration (`serve --config`, `web --config`) is wrong: every problem found, each as
    FILE:LINE: field: message, so all of them can be fixed in one pass."""

    kind: ClassVar[str] = "config"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class OutputError(MassagerError):
    """A file the user asked for cannot be written: it exists (without --force), or the OS refused."""

    kind: ClassVar[str] = "output"


class SafetyRefusal(MassagerError):
    """The safety policy or the user's health profile refuses a program or a request."""

    kind: ClassVar[str] = "safety_refusal"


class SessionError(MassagerError):
    """A request the session cannot honour in its present state."""

    kind: ClassVar[str] = "session"
