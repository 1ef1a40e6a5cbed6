"""Typed errors for every expected failure, shaped by what the caller does about them.

    MassagerError
     ├── ProtocolError            bytes or replies that break firmware_protocol.md
     │    └── VersionMismatch     the device speaks another protocol major
     ├── LinkError                the serial link itself
     │    ├── PortNotFound        no such device path / URL
     │    ├── PortPermission      permission denied (dialout group)
     │    ├── PortBusy            another process owns the port
     │    ├── NotAMassager        no handshake reply
     │    ├── LinkTimeout         no answer after every retry (also a TimeoutError)
     │    └── LinkClosed          device unplugged or port closed mid-session
     ├── DeviceRejected           the device answered NAK (carries the code)
     ├── DeviceFault              the device stopped itself (watchdog, overheat, reset, e-stop button)
     ├── ProgramError             a program file is wrong (carries file, line, step, field)
     ├── SafetyRefusal            the safety policy or health profile refuses
     └── SessionError             an illegal request for the session's present state

The command line maps each to one clear message and an exit code; none reaches a user as a traceback.
"""

from __future__ import annotations


class MassagerError(Exception):
    """Base of every error this project raises on purpose."""


class ProtocolError(MassagerError):
    """A frame or reply that breaks the protocol document."""


class VersionMismatch(ProtocolError):
    """The device speaks a protocol major version this host does not."""


class LinkError(MassagerError):
    """The serial link failed."""


class PortNotFound(LinkError):
    """The port path or URL names nothing that can be opened."""


class PortPermission(LinkError):
    """The operating system refused access to the port."""


class PortBusy(LinkError):
    """Another process holds the port."""


class NotAMassager(LinkError):
    """Something answered, or nothing did, but no massager handshake came back."""


class LinkTimeout(LinkError, TimeoutError):
    """The device did not answer a command after every retry."""


class LinkClosed(LinkError):
    """The port went away (device unplugged) or was closed."""


class DeviceRejected(MassagerError):
    """The device answered a command with NAK."""

    def __init__(self, message: str, code: int, detail: int) -> None:
        super().__init__(message)
        self.code = code
        self.detail = detail


class DeviceFault(MassagerError):
    """The device stopped on its own: watchdog, overheat, session cap, reset or its stop button."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ProgramError(MassagerError):
    """A program file or program name is wrong; carries where, so an author can fix it."""

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

    def __init__(self, errors: list[ProgramError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


class OutputError(MassagerError):
    """A file the user asked for cannot be written: it exists (without --force), or the OS refused."""


class SafetyRefusal(MassagerError):
    """The safety policy or the user's health profile refuses a program or a request."""


class SessionError(MassagerError):
    """A request the session cannot honour in its present state."""
