"""A small SMTP server on a real socket, for the SMTP fallback's tests (Django's SMTP backend
over ``smtplib`` talks to it unchanged).

Follows RFC 5321 (§3.3 mail transactions, §4.2 reply codes, §4.1.1 commands): 220 greeting,
EHLO/HELO 250, MAIL FROM/RCPT TO 250, DATA 354 then the message up to ``<CRLF>.<CRLF>``
(dot-unstuffed) and 250, RSET/NOOP 250, QUIT 221; commands out of order get 503. It can
refuse recipients (550, permanent), answer 451 (transient) to the next DATA, or drop the
connection after the data arrived (the message taken, the client none the wiser).
"""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class FakeSmtp:
    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    fail_data_next: int = 0  # answer 451 to this many DATA ends
    drop_after_data_next: int = 0  # take the message, then close without answering
    _server: socketserver.ThreadingTCPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"smtp://{host}:{port}"

    def __enter__(self) -> FakeSmtp:
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(f"{line}\r\n".encode())

            def handle(self) -> None:
                self.reply("220 fake-smtp ESMTP ready")
                sender, recipients = None, []
                while line := self.rfile.readline():
                    command = line.decode().strip()
                    verb = command[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 fake-smtp")
                    elif verb == "MAIL":
                        sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        if sender is None:
                            self.reply("503 Bad sequence of commands")
                            continue
                        rcpt = command.split(":", 1)[1].strip(" <>")
                        if rcpt in fake.refuse:
                            self.reply("550 5.1.1 Mailbox unavailable")
                        else:
                            recipients.append(rcpt)
                            self.reply("250 OK")
                    elif verb == "DATA":
                        if not recipients:
                            self.reply("503 Bad sequence of commands")
                            continue
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        if not self.data(sender, recipients):
                            return
                        sender, recipients = None, []
                    elif verb in ("RSET", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

            def data(self, sender: str, recipients: list[str]) -> bool:
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(line[1:] if line.startswith(b"..") else line)
                if fake.fail_data_next:
                    fake.fail_data_next -= 1
                    self.reply("451 4.3.0 Try again later")
                    return True
                fake.messages.append(Received(sender, recipients, b"".join(lines)))
                if fake.drop_after_data_next:
                    fake.drop_after_data_next -= 1
                    return False
                self.reply("250 OK queued")
                return True

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
