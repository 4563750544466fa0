"""rpm's own comparison functions as a test oracle (python3-rpm; run with /usr/bin/python3).

Reads one JSON object from stdin:
  {"vercmp": [[a, b], ...], "evr": [[a, b], ...], "depmatch": [[[n, op, evr], [n, op, evr]], ...]}
and writes the same keys with rpm's answers: vercmp/evr as -1/0/1 (rpm.labelCompare on the version alone, rpm.ver ordering),
depmatch as 0/1 (rpm.ds(provide).Compare(rpm.ds(require))).
"""
import json
import sys

import rpm


def sign(x):
    return (x > 0) - (x < 0)


def ds(t, tag):
    return rpm.ds(tuple(x for x in t if x is not None), tag)


req = json.load(sys.stdin)
out = {}
out["vercmp"] = [sign(rpm.labelCompare((None, a, None), (None, b, None))) for a, b in req.get("vercmp", [])]
out["evr"] = []
for a, b in req.get("evr", []):
    va, vb = rpm.ver(a), rpm.ver(b)
    out["evr"].append(0 if va == vb else (1 if va > vb else -1))
out["depmatch"] = [ds(p, "provides").Compare(ds(r, "requires")) for p, r in req.get("depmatch", [])]
json.dump(out, sys.stdout)
