#!/usr/bin/env python3
"""One markdown table row from wrk's output, for every load script in bench/.

    python3 bench/http/wrk_row.py WRK_OUTPUT FIELD...

A FIELD is one of:
  requests      requests completed ("N requests in ...")
  rps / rps1    requests/s, as an integer / with one decimal
  p50 p90 p99   latency percentiles in ms (--latency output; "nan" if absent)
  non2xx        wrk's "Non-2xx or 3xx responses" (0 if none)
  sockets       wrk's "Socket errors: ..." text ("none" if none)
  partial non200  counters a script's done() printed as "partial N" / "non200 N"
  =TEXT         TEXT as it is (a label, a measured RSS)
Prints "| a | b | ... |". Exits 1 naming what is missing when wrk printed no summary.
"""
import re
import sys


def main():
    text = open(sys.argv[1]).read()

    def found(pattern, flags=0):
        m = re.search(pattern, text, flags)
        if not m:
            sys.exit("wrk_row: no %r in %s:\n%s" % (pattern, sys.argv[1], text))
        return m

    def ms(p):
        m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)" % p, text, re.M)
        if not m:
            return "nan"
        v, u = float(m.group(1)), m.group(2)
        return "%.1f" % (v / 1000 if u == "us" else v * 1000 if u == "s" else v)

    cells = []
    for field in sys.argv[2:]:
        if field.startswith("="):
            cells.append(field[1:])
        elif field == "requests":
            cells.append(found(r"(\d+) requests in").group(1))
        elif field in ("rps", "rps1"):
            v = float(found(r"Requests/sec:\s+([\d.]+)").group(1))
            cells.append("%.0f" % v if field == "rps" else "%.1f" % v)
        elif field in ("p50", "p90", "p99"):
            cells.append(ms(field[1:]))
        elif field == "non2xx":
            m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
            cells.append(m.group(1) if m else "0")
        elif field == "sockets":
            m = re.search(r"Socket errors: (.*)", text)
            cells.append(m.group(1).strip() if m else "none")
        elif field in ("partial", "non200"):
            cells.append(found(r"^%s (\d+)" % field, re.M).group(1))
        else:
            sys.exit("wrk_row: unknown field %r" % field)
    print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
