#!/usr/bin/env python3
"""The wapiti gate: reads the JSON reports of the scans, drops the findings
a reviewed entry of .ci/wapiti-suppressions.json matches (category, method,
path and message, each a regular expression), and fails on anything left —
a vulnerability or an anomaly (a 500, a timeout) — or on a scan that did not
sign in or crawled too little to mean anything.

    wapiti-gate.py SUPPRESSIONS NAME=REPORT.json[:MIN_PAGES[:signed-in]] ...
"""
import json
import re
import sys


def main():
    suppressions = json.load(open(sys.argv[1]))
    failed = False
    for arg in sys.argv[2:]:
        name, rest = arg.split("=", 1)
        parts = rest.split(":")
        path, min_pages = parts[0], int(parts[1])
        must_sign_in = len(parts) > 2
        report = json.load(open(path))
        pages = report["infos"]["crawled_pages_nbr"]
        auth = report["infos"].get("auth") or {}
        kept, suppressed = [], {}
        for section in ("vulnerabilities", "anomalies"):
            for category, findings in report[section].items():
                for f in findings:
                    rule = next(
                        (
                            s
                            for s in suppressions
                            if s["category"] == category
                            and s["method"] == f.get("method")
                            and re.search(s["path"], f.get("path", ""))
                            and re.search(s["info"], f.get("info", ""))
                        ),
                        None,
                    )
                    if rule is None:
                        kept.append((section, category, f.get("method"), f.get("path"), f.get("info")))
                    else:
                        suppressed[category] = suppressed.get(category, 0) + 1
        signed = auth.get("logged_in")
        print(
            f"wapiti {name}: {pages} pages crawled"
            + (f", signed in: {signed}" if auth else "")
            + f", {len(kept)} findings, suppressed (reviewed): {suppressed or 'none'}"
        )
        for finding in kept:
            print("  FINDING", *finding)
            failed = True
        if pages < min_pages:
            print(f"  FAILED: fewer than {min_pages} pages crawled")
            failed = True
        if must_sign_in and not signed:
            print("  FAILED: the scan did not sign in")
            failed = True
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
