# Verifies the DKIM signature of each message in a JSON-lines log with
# dkimpy, the key's DNS record given on the command line instead of asked
# of DNS. Prints how many verified; exits 1 at the first that does not.
import json, sys

import dkim

LOG, RECORD = sys.argv[1], sys.argv[2].encode()


def dns(name, timeout=5):
    return RECORD


count = 0
for line in open(LOG, encoding="utf-8"):
    message = json.loads(line)["data"].encode("utf-8").replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not dkim.verify(message, dnsfunc=dns):
        print("DKIM verification failed:", message[:400])
        sys.exit(1)
    count += 1
print("verified", count)
