# A real SMTP server (aiosmtpd) for Kiosque's tests. It logs every message
# it accepts as one JSON line (recipients and raw text) to LOG, answers RCPT
# for addresses in REJECT with 550 and, for those in DEFER, 451 the first
# time each is seen; it prints its port on its first line, then serves
# until killed.
import json, os, socket, sys, time

from aiosmtpd.controller import Controller

LOG = sys.argv[1]
REJECT = set(filter(None, os.environ.get("MAIL_REJECT", "").split(",")))
DEFER = set(filter(None, os.environ.get("MAIL_DEFER", "").split(",")))
deferred = set()


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in REJECT:
            return "550 5.1.1 No such user here"
        if address in DEFER and address not in deferred:
            deferred.add(address)
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        line = json.dumps({
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "data": envelope.original_content.decode("utf-8", "replace"),
        })
        # One write per message, flushed: a reader never sees half a line.
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(line + "\n")
        return "250 2.0.0 Message accepted"


# A free port (aiosmtpd checks it is up by connecting, so not port 0).
probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
controller = Controller(Handler(), hostname="127.0.0.1", port=port, decode_data=False)
controller.start()
print(port, flush=True)
while True:
    time.sleep(3600)
