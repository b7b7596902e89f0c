"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1, a free port).

It keeps every message it accepted, refuses recipients whose address
starts with "refuse" (550), and can be told to answer 421 (try later)
to everything, as a server under load does.
"""

from dataclasses import dataclass, field
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Handler:
    messages: list = field(default_factory=list)
    busy: bool = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.busy:
            return "421 4.3.2 Service not available, try again later"
        if address.startswith("refuse"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({
            "from": envelope.mail_from, "to": list(envelope.rcpt_tos),
            "message": message_from_bytes(envelope.content, policy=policy.default),
        })
        return "250 2.0.0 Ok: queued"

    def message_ids(self) -> list[str]:
        return [m["message"]["Message-ID"] for m in self.messages]


class SMTPServer:
    def __init__(self):
        self.handler = Handler()
        self.port = _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> "SMTPServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
