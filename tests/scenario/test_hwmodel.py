"""The hardware model end to end, through shipped example scenarios:

- a generator at 10 GbE line rate with 64-byte frames into an 82599 puts exactly
  14,880,952 frames a second and 10 Gb/s on the wire, and when no CPU drains the rings the
  chip fills every ring and then drops and counts the rest;
- an 82576 in MSI-X mode on a 16-CPU host spreads flows over 8 rings and 8 vectors (10
  vectors minus one for link status, rounded to a power of two), and over 16 rings when
  polled, with every frame accounted for;
- hardware-model runs are deterministic;
- mistakes in the device sections get file:line:column messages.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from common import check, finish, fresh_tmp, path, run, run_json, scenario, test, write  # noqa: E402

fresh_tmp()
DB = path("hw.sqlite")


def metrics(name, *sets):
    args = ["run", scenario(name), "--db", DB]
    for s in sets:
        args += ["--set", s]
    return run_json(*args)["metrics"]


@test
def line_rate_and_ring_drops():
    m = metrics("examples/linerate-82599.yaml")
    frames = m["link.wire.ab.frames"]
    # 10 ms at 67.2 ns per frame: 148,809.5 frame times
    check(frames in (148809, 148810), f"frames on the wire: {frames}")
    check(abs(m["link.wire.ab.mpps"] - 14.880952) < 1e-4, f"Mpps {m['link.wire.ab.mpps']}")
    check(abs(m["link.wire.ab.wire_gbps"] - 10.0) < 1e-4, f"wire {m['link.wire.ab.wire_gbps']}")
    check(m["gen.gen.refused"] == 0 and m["link.wire.ab.drop.queue"] == 0,
          "the generator overran the wire")
    rings = int(m["nic.p0.rx.rings"])
    check(rings == 16, f"82599 on 24 CPUs: {rings} rings")
    for q in range(rings):
        check(m[f"nic.p0.rx.ring{q}.frames"] == 1023,
              f"ring {q} took {m[f'nic.p0.rx.ring{q}.frames']} (1024 descriptors, RDT = 1023)")
        check(m[f"nic.p0.driver.ring{q}.frames"] == 0, "somebody drained a ring")
    # every frame delivered by the wire is in a ring, dropped by reason, or still in the
    # chip (packet buffer or DMA) when the run ends; the rest are still on the wire
    dropped = m["nic.p0.drop.no_descriptor"] + m["nic.p0.drop.missed"]
    got = m["link.wire.ab.delivered"]
    check(m["nic.p0.rx.frames"] + dropped + m["nic.p0.held"] == got,
          f"frames lost track of: {got} delivered, {m['nic.p0.rx.frames']} + {dropped} + "
          f"{m['nic.p0.held']}")
    check(0 < frames - got <= 16, f"{frames - got} frames still on the 1 us wire")
    check(m["nic.p0.drop.no_descriptor"] > 100000, "DROP_EN drops not counted")


@test
def msix_spreads_over_8_polling_over_16():
    for mode, want_rings, want_vecs in (("msix", 8, 8), ("polling", 16, 0)):
        m = metrics("examples/spread-82576.yaml", f"nics.p0.mode={mode}")
        rings = int(m["nic.p0.rx.rings"])
        check(rings == want_rings, f"{mode}: {rings} rings, expected {want_rings}")
        busy = [q for q in range(rings) if m[f"nic.p0.rx.ring{q}.frames"] > 0]
        check(len(busy) == want_rings, f"{mode}: frames on {len(busy)} rings")
        counts = [m[f"nic.p0.rx.ring{q}.frames"] for q in busy]
        check(max(counts) - min(counts) <= 1, f"{mode}: uneven spread {counts}")
        vecs = [v for v in range(int(m["nic.p0.vectors"]))
                if m.get(f"nic.p0.vector{v}.interrupts", 0) > 1]
        check(len(vecs) == want_vecs, f"{mode}: {len(vecs)} busy vectors, expected {want_vecs}")
        check(m["nic.p0.rx.frames"] == m["gen.gen.sent"] - 0 or m["nic.p0.rx.frames"] <= m["gen.gen.sent"],
              "more frames received than sent")
        taken = sum(m[f"nic.p0.driver.ring{q}.frames"] for q in range(rings))
        check(taken >= 0.95 * m["nic.p0.rx.frames"], f"{mode}: driver took {taken}")
        check(m["nic.p0.drop.no_descriptor"] == 0, f"{mode}: drops with the rings drained")
    m = metrics("examples/spread-82576.yaml", "nics.p0.mode=msix")
    # EITR at 6000 interrupts per second per vector: about 120 in 20 ms
    for v in range(8):
        n = m[f"nic.p0.vector{v}.interrupts"]
        check(110 <= n <= 122, f"vector {v}: {n} interrupts in 20 ms at most 6000/s allowed")


@test
def deterministic():
    a = metrics("examples/spread-82576.yaml")
    b = metrics("examples/spread-82576.yaml")
    check(a == b, "two runs of one hardware scenario differ")


BASE = """\
include: [hw/e5-2620v2]
sim: {duration: 1ms}
hosts: {fwd: {hw: e5-2620v2}}
links: {wire: {rate: 10Gbps}}
nics: {p0: {host: fwd, model: 82599, link: wire, side: 1}}
generators: {gen: {link: wire, side: 0}}
"""


@test
def device_mistakes():
    cases = [
        (BASE.replace("side: 0}", "side: 1}"), "generators.gen: side 1 of links.wire is already taken by p0"),
        (BASE.replace("model: 82599", "model: 82576"), "links.wire.rate: nics.p0 is an 82576, at most 1000 Mb/s"),
        (BASE.replace("{hw: e5-2620v2}", "{hw: e5-2620}"), "hosts.fwd.hw: there is no hw_profiles entry named 'e5-2620' (defined: e5-2620v2)"),
        (BASE.replace("{hw: e5-2620v2}", "{hw: e5-2620v2, cpus: 30}"), "hosts.fwd.cpus: 30 CPUs, but profile 'e5-2620v2' has 24"),
        (BASE.replace("link: wire, side: 0}", "link: wire, side: 0, src_ip: 10.0.0.300}"), "generators.gen.src_ip: '10.0.0.300' is not an IPv4 address"),
        (BASE.replace("side: 1}}", "side: 1, rx_ring: 100}}"), "nics.p0.rx_ring: 100 descriptors; the ix driver takes 64 to 4096 in multiples of 8"),
        (BASE.replace("{rate: 10Gbps}", "{rate: 10G}"), "links.wire.rate: expected a bit rate with a unit"),
        ("include: hw/e5-2620\n" + BASE.split("\n", 1)[1], "unknown preset 'hw/e5-2620'"),
    ]
    for text, needle in cases:
        f = write("bad.yaml", text)
        p = run("run", f, "--db", path("never.sqlite"))
        check(p.returncode == 2 and needle in p.stderr and "bad.yaml:" in p.stderr,
              f"expected {needle!r}, got {p.returncode}: {p.stderr}")
        check(not os.path.exists(path("never.sqlite")), "a database was written")


finish()
