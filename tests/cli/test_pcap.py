"""--pcap PREFIX: one pcap file per NIC port, nanosecond timestamps, read back with tshark
(Debian's): what the generator sent enters the forwarder on p0 with TTL 64 and leaves on p1
with TTL 63 and a valid IPv4 checksum, every frame accounted for."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import check, finish, fresh_tmp, path, run, scenario, test  # noqa: E402

fresh_tmp()
ARGS = ("--set", "sim.duration=200us", "--set", "sim.warmup=100us", "--set",
        "generators.gen.rate=1Mpps", "--set", "outputs.store=false", "--quiet")


def tshark(f, *fields):
    p = subprocess.run(["tshark", "-r", f, "-o", "ip.check_checksum:TRUE", "-T", "fields",
                        *[a for x in fields for a in ("-e", x)]], capture_output=True,
                       text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError(f"tshark -r {f}: {p.stderr}")
    return [ln.split("\t") for ln in p.stdout.splitlines()]


@test
def each_port_has_a_capture_that_tshark_reads():
    run("run", scenario("lessons/forwarding.yaml"), *ARGS, "--pcap", path("cap-"), check=0)
    rx = tshark(path("cap-p0.pcap"), "frame.time_epoch", "ip.ttl", "udp.srcport")
    tx = tshark(path("cap-p1.pcap"), "frame.time_epoch", "ip.ttl", "ip.checksum.status")
    check(len(rx) > 100, f"only {len(rx)} frames received")
    check(len(tx) == len(rx), f"{len(rx)} frames in, {len(tx)} out (nothing is dropped at 1 Mpps)")
    check(all(r[1] == "64" for r in rx), "frames entered with a TTL other than 64")
    check(all(t[1] == "63" for t in tx), "forwarded frames must leave with TTL 63")
    check(all(t[2] == "1" for t in tx), "a forwarded frame has a bad IPv4 checksum")
    times = [float(r[0]) for r in rx]
    check(times == sorted(times), "timestamps go backwards")
    frac = [r[0].split(".")[1] for r in rx]
    check(all(len(x) == 9 for x in frac) and any(not x.endswith("000") for x in frac),
          "timestamps are not nanosecond-resolved")
    check(float(tx[0][0]) > float(rx[0][0]), "a frame left before the first one arrived")


@test
def an_unwritable_prefix_fails_before_running():
    p = run("run", scenario("lessons/forwarding.yaml"), *ARGS, "--pcap", "/nonexistent/dir/cap-")
    check(p.returncode == 2 and "outputs.pcap: cannot write into /nonexistent/dir"
          in p.stderr, f"exit {p.returncode}: {p.stderr}")


finish()
