#!/usr/bin/env python3
"""The set check of the reliability suite: every write the server
acknowledged (an ACK line in the load's log) is in the database, and the
database holds no write that was never sent (a SENT line). For SQLite, the
file's own integrity check must say "ok".

    check.py LOG sqlite PATH/kiosque.db
    check.py LOG postgres postgres://user@host:port/db
"""
import json
import re
import sqlite3
import subprocess
import sys

TOKEN = re.compile(r"rel[ca]-\d+-\d+-\d+")


def logged(path):
    sent = {"comment": set(), "article": set()}
    acked = {"comment": set(), "article": set()}
    with open(path, encoding="utf-8", errors="replace") as log:
        for line in log:
            m = re.search(r"(SENT|ACK) (comment|article) (rel[ca]-\d+-\d+-\d+)", line)
            if m:
                (sent if m.group(1) == "SENT" else acked)[m.group(2)].add(m.group(3))
    return sent, acked


QUERIES = {
    "comment": "SELECT body FROM comments WHERE body LIKE '%rel%'",
    "article": "SELECT title FROM articles WHERE title LIKE '%rel%'",
}


def stored_sqlite(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    found = {kind: tokens(r[0] for r in db.execute(q)) for kind, q in QUERIES.items()}
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    return found, integrity


def stored_postgres(url):
    found = {}
    for kind, query in QUERIES.items():
        out = subprocess.run(
            ["psql", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", query],
            check=True, capture_output=True, text=True,
        ).stdout
        found[kind] = tokens(out.splitlines())
    return found, "not applicable"


def tokens(texts):
    return {t for text in texts for t in TOKEN.findall(text)}


def main():
    log, kind, where = sys.argv[1:4]
    sent, acked = logged(log)
    found, integrity = stored_sqlite(where) if kind == "sqlite" else stored_postgres(where)
    report = {"integrity": integrity}
    problems = []
    for what in ("comment", "article"):
        lost = acked[what] - found[what]
        invented = found[what] - sent[what]
        report[what] = {
            "sent": len(sent[what]),
            "acknowledged": len(acked[what]),
            "stored": len(found[what]),
            "acknowledged_missing": len(lost),
            "stored_never_sent": len(invented),
        }
        if lost:
            problems.append(f"{len(lost)} acknowledged {what}s missing, e.g. {sorted(lost)[:3]}")
        if invented:
            problems.append(f"{len(invented)} stored {what}s never sent, e.g. {sorted(invented)[:3]}")
        if not acked[what]:
            problems.append(f"no {what} was acknowledged: the load did not write")
    if kind == "sqlite" and integrity != "ok":
        problems.append(f"SQLite integrity_check: {integrity}")
    report["problems"] = problems
    print(json.dumps(report))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
