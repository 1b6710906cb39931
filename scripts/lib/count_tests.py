#!/usr/bin/env python3
"""Prints "N passed, N failed[, N skipped]" for a Meson test run, counting individual test cases.

Meson counts one test per executable; the JUnit file it writes expands gtest cases and TAP points.
Meson's own verdict is trusted over the XML: an executable that failed (crash, sanitizer report,
timeout) with no failing case in its XML counts as one more failure. Exit 1 when anything failed.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

logs = sys.argv[1]
verdicts = {}
with open(os.path.join(logs, "testlog.json")) as f:
    for line in f:
        if line.strip():
            rec = json.loads(line)
            verdicts[rec["name"]] = rec["result"]

cases = {}  # meson test name -> [passed, failed, skipped]
junit = os.path.join(logs, "testlog.junit.xml")
if os.path.exists(junit):
    for suite in ET.parse(junit).getroot().iter("testsuite"):
        for case in suite.findall("testcase"):
            # Meson names a gtest/TAP suite "<project>.<project>:<suite> / <test>[.<gtest suite>]";
            # plain tests are testcases named after the Meson test.
            owner = suite.get("name", "")
            if owner not in verdicts and "." in owner.split(" / ", 1)[0]:
                owner = owner.split(".", 1)[1]  # drop the "<project>." prefix
            while owner not in verdicts and "." in owner.split(" / ", 1)[-1]:
                owner = owner.rsplit(".", 1)[0]
            if owner not in verdicts:
                owner = case.get("name", "")
            c = cases.setdefault(owner, [0, 0, 0])
            if case.find("failure") is not None or case.find("error") is not None:
                c[1] += 1
            elif case.find("skipped") is not None:
                c[2] += 1
            else:
                c[0] += 1

passed = failed = skipped = 0
for name, verdict in verdicts.items():
    p, fl, s = cases.get(name, [0, 0, 0])
    ok = verdict in ("OK", "EXPECTEDFAIL")
    if verdict == "SKIP" and p + fl == 0:
        s = max(s, 1)
    elif p + fl + s == 0:
        p, fl = (1, 0) if ok else (0, 1)
    elif not ok and fl == 0:
        fl = 1  # the executable failed although every case it reported passed
    passed, failed, skipped = passed + p, failed + fl, skipped + s

line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
sys.exit(1 if failed else 0)
