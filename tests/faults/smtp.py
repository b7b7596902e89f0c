"""A real SMTP server for the fault tests (aiosmtpd), and the reconciler that reads its log.

Every message it accepts is appended to a log file (its Message-ID, one a
line), the way a relay's mail log records what it took: the reconciler
(EMAIL_RECONCILER) answers "was this Message-ID accepted?" from it. It can
be stopped and started again on the same port, or told to answer 421.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller

from .procs import free_port


@dataclass
class Handler:
    log: Path
    messages: list = field(default_factory=list)
    busy: bool = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.busy:
            return "421 4.3.2 Service not available, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"to": list(envelope.rcpt_tos), "message": message})
        with self.log.open("a") as handle:
            handle.write(f"{str(message['Message-ID']).strip()}\n")
        return "250 2.0.0 Ok: queued"

    def message_ids(self) -> list[str]:
        return [str(m["message"]["Message-ID"]).strip() for m in self.messages]


class SMTPServer:
    def __init__(self, log: Path):
        self.log = log
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("")
        self.handler = Handler(log)
        self.port = free_port()
        self.controller = None

    def start(self) -> "SMTPServer":
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def accepted(self) -> list[str]:
        return [line for line in self.log.read_text().splitlines() if line]


def reconcile(message_id: str) -> bool | None:
    """EMAIL_RECONCILER for the fault tests: did the relay accept this Message-ID? (its log says)."""
    path = os.environ.get("FAULTS_SMTP_LOG")
    if not path or not Path(path).exists():
        return None
    return message_id in Path(path).read_text().splitlines()
