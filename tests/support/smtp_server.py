"""A real SMTP server for the integration tests, built on aiosmtpd.

Every accepted message is written to MAILDIR as <uuid>.eml (atomically:
temporary file, then rename), so the tests can parse exactly what arrived;
its envelope recipients (RCPT TO), one a line, go beside it in <uuid>.rcpt,
and the client's port (which SMTP connection carried it) in <uuid>.peer.
Like many real servers it does not offer SMTPUTF8 unless asked. Faults and
features are chosen on the command line:

  --tempfail N   answer the first N DATA commands with 451 (try again later)
  --reject       answer every DATA command with 550 (permanent failure)
  --delay-ms MS  wait before answering DATA, so sends are in flight longer
  --smtputf8     offer SMTPUTF8 (RFC 6531): addresses beyond ASCII

Prints "READY <port>" on stdout once it accepts connections.
"""

import argparse
import asyncio
import os
import signal
import uuid

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, maildir, tempfail, reject, delay_ms):
        self.maildir = maildir
        self.tempfail = tempfail
        self.reject = reject
        self.delay = delay_ms / 1000.0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.reject:
            return "550 5.7.1 Recipient refused by test server"
        if self.tempfail > 0:
            self.tempfail -= 1
            return "451 4.3.0 Temporary failure, try again later"
        stem = str(uuid.uuid4())
        with open(os.path.join(self.maildir, stem + ".rcpt"), "w", encoding="utf-8") as f:
            f.write("\n".join(envelope.rcpt_tos) + "\n")
        with open(os.path.join(self.maildir, stem + ".peer"), "w", encoding="utf-8") as f:
            f.write(f"{session.peer[1]}\n")
        name = stem + ".eml"
        partial = os.path.join(self.maildir, "." + name + ".partial")
        with open(partial, "wb") as f:
            f.write(envelope.original_content)
            f.flush()
            os.fsync(f.fileno())
        os.rename(partial, os.path.join(self.maildir, name))
        return "250 2.0.0 Accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--tempfail", type=int, default=0)
    parser.add_argument("--reject", action="store_true")
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--smtputf8", action="store_true")
    args = parser.parse_args()
    os.makedirs(args.maildir, exist_ok=True)
    handler = Handler(args.maildir, args.tempfail, args.reject, args.delay_ms)
    controller = Controller(
        handler, hostname="127.0.0.1", port=args.port, enable_SMTPUTF8=args.smtputf8
    )
    controller.start()
    print(f"READY {args.port}", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()


if __name__ == "__main__":
    main()
