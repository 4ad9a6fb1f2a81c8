"""Best of several runs of one benchmark: read their tables from stdin and keep, for each
case, the line of the run with the best figure.

    best.py VALUE_COLUMN max|min [KEY_COLUMNS]

Columns count from 0 and split on white space; KEY_COLUMNS (default "0") is a
comma-separated list of the columns that name a case. The first line, the header, is
printed once; later header lines (those equal to it) are skipped."""
import sys

col, sense = int(sys.argv[1]), sys.argv[2]
keys = [int(k) for k in (sys.argv[3] if len(sys.argv) > 3 else "0").split(",")]
better = (lambda a, b: a > b) if sense == "max" else (lambda a, b: a < b)
header, best, order = None, {}, []
for line in sys.stdin:
    line = line.rstrip("\n")
    f = line.split()
    if not f:
        continue
    if header is None:
        header = line
        continue
    if line == header:
        continue
    k = tuple(f[i] for i in keys)
    if k not in best:
        order.append(k)
        best[k] = line
    elif better(float(f[col]), float(best[k].split()[col])):
        best[k] = line
print(header)
for k in order:
    print(best[k])
