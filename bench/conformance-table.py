#!/usr/bin/env python3
"""Markdown tables from conformance-run --json reports: passed/judged per section per server."""
import json, sys
out, names = sys.argv[1], sys.argv[2:]
reports = {n: json.load(open(f"{out}/{n}.json")) for n in names}
sections = ["request-line", "host", "fields", "content-length", "transfer-encoding", "persistence", "robustness"]
print("| section | " + " | ".join(names) + " |")
print("|---|" + "---|" * len(names))
def cell(rs):
    p = sum(r["outcome"] == "PASS" for r in rs); f = sum(r["outcome"] == "FAIL" for r in rs)
    s = sum(r["outcome"] == "SKIP" for r in rs); mf = sum(r["outcome"] == "FAIL" and r["level"] == "MUST" for r in rs)
    return f"{p}/{p + f}" + (f" ({mf} MUST)" if mf else "") + (f" +{s} skip" if s else "")
for s in sections + ["all"]:
    row = [cell([r for r in reports[n]["results"] if s == "all" or r["section"] == s]) for n in names]
    print(f"| {'**all**' if s == 'all' else s} | " + " | ".join(row) + " |")
print()
print("Failures per server (level, id: what was seen):")
print()
for n in names:
    fails = [r for r in reports[n]["results"] if r["outcome"] == "FAIL"]
    print(f"- **{n}**: {len(fails)} failed" + (":" if fails else ""))
    for r in fails:
        print(f"  - {r['level']} `{r['id']}`: {r['detail'][:160]}")
