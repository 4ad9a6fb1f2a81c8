"""The forwarding data path end to end (scenarios/lessons/forwarding.yaml): real frames from
the generator through the 82599 model, the stack's ix driver, netisr, IPv4 forwarding and
back out to the sink. Each run ends with the stack's invariants (every mbuf accounted for,
packets in = forwarded + dropped + queued, no netisr message lost, routing tables and the
coherence directory consistent); a violation aborts mpstack, which fails these tests."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli"))
from common import check, finish, fresh_tmp, run, run_json, scenario, test  # noqa: E402

fresh_tmp()

# Below saturation (the lesson itself runs at three times overload, where rings stay full
# and a frame waits milliseconds): 2 Mpps, so short runs see frames come out.
SHORT = ("--set", "sim.duration=600us", "--set", "sim.warmup=300us",
         "--set", "generators.gen.rate=2Mpps")


def fwd(*sets, short=SHORT):
    args = []
    for s in sets:
        args += ["--set", s]
    j = run_json("run", scenario("lessons/forwarding.yaml"), *short, *args)
    return j["metrics"]


@test
def frames_cross_the_forwarder_intact():
    m = fwd()
    check(m["fwd.packets"] > 1000, f"forwarded only {m['fwd.packets']}")
    check(m["sink.sink.frames"] > 0.9 * m["fwd.packets"], "the sink saw fewer than forwarded")
    check(m["sink.sink.bad"] == 0, f"{m['sink.sink.bad']} frames failed the sink's checks "
          "(TTL decrement and checksum update must keep the IPv4 header valid)")
    check(m["drop.total"] == 0, f"unexpected drops at this load: {m['drop.total']}")


@test
def every_design_switch_runs_and_conserves_packets():
    for s in ("kernel.stats=shared", "kernel.tx_rings=one", "kernel.port=ipiq",
              "kernel.handoff=batch", "kernel.threading=three", "kernel.hash=xor",
              "kernel.hash=toeplitz", "kernel.route_table=shared", "nics.p0.mode=polling",
              "nics.p0.mode=msi"):
        m = fwd(s)
        check(m["fwd.packets"] > 0, f"{s}: nothing forwarded")


@test
def shared_statistics_move_lines_that_percpu_statistics_do_not():
    """The mechanism, not a tuned figure: with one shared if_data every CPU's increment takes
    the line from the last writer; per-CPU counters stay in their owner's cache."""
    per = fwd("kernel.stats=percpu")
    sh = fwd("kernel.stats=shared")
    check("lines.transfers.ifnet" in per and per["lines.transfers.ifnet"] < 0.01,
          f"per-CPU stats still move ifnet lines: {per.get('lines.transfers.ifnet')}")
    check(sh["lines.transfers.ifnet"] > 1, f"shared stats moved only {sh['lines.transfers.ifnet']}"
          " ifnet lines per packet")


@test
def transfers_of_one_line_queue_in_a_full_run():
    """Through the whole machine (hw_touch's clock, not only the cache unit test): shared
    counters written by 16 CPUs make CPUs wait for their lines; per-CPU counters do not;
    with xfer_serial off nobody waits. A host clock other
    than the profile's (hosts.fwd.freq) must not break the waits."""
    sh = fwd("kernel.stats=shared")
    per = fwd("kernel.stats=percpu")
    off = fwd("kernel.stats=shared", "hw_profiles.e5-2620v2.xfer_serial=false")
    fast = fwd("kernel.stats=shared", "hosts.fwd.freq=4.2GHz")
    check(sh["lines.wait_ns.ifnet"] > 50, f"shared stats waited {sh['lines.wait_ns.ifnet']} ns")
    check(per["lines.wait_ns.ifnet"] == 0, f"per-CPU stats waited {per['lines.wait_ns.ifnet']}")
    check(off["lines.wait_ns.total"] == 0, f"xfer_serial off still waited {off['lines.wait_ns.total']}")
    # twice the clock: every wait is at most a few transfers of half the duration
    check(0 < fast["lines.wait_ns.ifnet"] < sh["lines.wait_ns.ifnet"],
          f"4.2 GHz waited {fast['lines.wait_ns.ifnet']} ns vs {sh['lines.wait_ns.ifnet']} at 2.1")


@test
def same_seed_same_results():
    a, b = fwd(), fwd()
    check(a == b, "two runs of the same scenario and seed differ: " +
          str({k: (a[k], b.get(k)) for k in a if a[k] != b.get(k)}))


@test
def temporal_decoupling_agrees_with_exact_time():
    """Quantum 0 (every charge synchronises) against 1 us of run-ahead: interactions stay in
    global time order, so forwarding rate and drops agree closely; the invariants must hold
    in both (a CPU running ahead must not corrupt state its interrupt thread shares)."""
    steady = ("--set", "sim.duration=3ms", "--set", "sim.warmup=1ms",
              "--set", "generators.gen.rate=2Mpps")
    exact, loose = fwd(short=steady), fwd("sim.quantum=1us", short=steady)
    check(abs(loose["fwd.mpps"] - exact["fwd.mpps"]) < 0.02 * exact["fwd.mpps"],
          f"fwd.mpps {exact['fwd.mpps']} exact vs {loose['fwd.mpps']} with a 1 us quantum")
    check(loose["drop.total"] == exact["drop.total"], "drops differ under decoupling")


@test
def the_calibration_point_stays_where_the_lesson_says():
    """docs/lessons/forwarding.md and the profile state 5.00 Mpps for the shipped lesson (the
    one fitted number); a change to any operation cost or to the data path moves it, and
    then the lesson's tables must be re-measured."""
    m = fwd(short=())
    check(abs(m["fwd.mpps"] - 5.0) < 0.05 * 5.0, f"calibration point moved: {m['fwd.mpps']} Mpps")
    check(m["sink.sink.bad"] == 0, "bad frames at the calibration point")


@test
def batched_handoff_sends_fewer_ipis_than_per_packet():
    """The 2008 lesson's mechanism: one message (so at most one IPI) per target CPU per
    interrupt instead of one per packet."""
    args = ("--set", "sim.duration=3ms", "--set", "sim.warmup=1ms")
    f = scenario("lessons/forwarding-handoff.yaml")
    per = run_json("run", f, *args)["metrics"]
    bat = run_json("run", f, *args, "--set", "kernel.handoff=batch")["metrics"]
    check(per["fwd.packets"] > 0 and bat["fwd.packets"] > 0.99 * per["fwd.packets"],
          f"forwarded {per['fwd.packets']} per packet vs {bat['fwd.packets']} batched")
    check(bat["ipi.per_packet"] < 0.8 * per["ipi.per_packet"],
          f"IPIs/packet {per['ipi.per_packet']} per packet vs {bat['ipi.per_packet']} batched")


@test
def a_pool_larger_than_memory_is_a_scenario_error():
    p = run("run", scenario("lessons/forwarding.yaml"), "--set", "kernel.nmbclusters=1000000")
    check(p.returncode == 2 and "kernel.nmbclusters: 1000000 mbuf + cluster pairs" in p.stderr,
          f"exit {p.returncode}: {p.stderr}")


@test
def a_routing_table_takes_each_prefix_once():
    """Two interfaces of one host on one subnet, or a route repeating a prefix, used to stop
    with an internal assertion when the table refused the second; now scenario errors at the
    second entry's line, before anything runs."""
    f = scenario("lessons/forwarding.yaml")
    for sets, where, needle in (
            (("nics.p1.addr=10.0.0.5/24",), "--set:1:14",
             "nics.p1.addr: 10.0.0.5/24 is the same prefix as nics.p0.addr (10.0.0.1/24) on host fwd"),
            (("routes.bench.dst=10.1.0.0/24",), "--set:1:18",
             "routes.bench.dst: 10.1.0.0/24 is the same prefix as nics.p1.addr (10.1.0.1/24)"),
            (("hosts.other.stack=true", "routes.bench.host=other"), "forwarding.yaml:64:10",
             "routes.bench.nic: nics.p1 is on host fwd, not on the route's host other")):
        p = run("run", f, *[a for s in sets for a in ("--set", s)], "--set", "outputs.store=false")
        check(p.returncode == 2 and f"{where}: {needle}" in p.stderr,
              f"exit {p.returncode}: {p.stderr}")


@test
def more_nics_than_a_stack_host_takes_is_a_scenario_error():
    sets = []
    for i in range(2, 9):
        sets += ["--set", f"links.l{i}.rate=10Gbps", "--set", f"nics.q{i}.host=fwd",
                 "--set", f"nics.q{i}.model=82599", "--set", f"nics.q{i}.link=l{i}",
                 "--set", f"nics.q{i}.side=0", "--set", f"nics.q{i}.addr=10.{i + 10}.0.1/24"]
    p = run("run", scenario("lessons/forwarding.yaml"), *sets, "--set", "outputs.store=false")
    check(p.returncode == 2 and
          "nics.q8.host: host fwd has more than 8 NICs; a stack host takes at most 8" in p.stderr,
          f"exit {p.returncode}: {p.stderr}")


@test
def two_stack_hosts_report_their_lines_summed():
    """The lines.* metrics are summed over stack hosts (docs/results.md); a second profiled
    stack host (here one with no NIC) used to abort the run with "reported twice"."""
    m = fwd("hosts.other.stack=true", "hosts.other.hw=e5-2620v2", "hosts.other.costs=e5-2620v2")
    check(m["fwd.packets"] > 0 and "lines.transfers.total" in m and "lines.wait_ns.total" in m,
          f"metrics: {sorted(k for k in m if k.startswith('lines.'))}")


@test
def rings_the_pool_cannot_fill_are_a_clear_error():
    p = run("run", scenario("lessons/forwarding.yaml"), "--set", "kernel.nmbclusters=1000",
            "--set", "hosts.fwd.memory=8MiB", "--set", "outputs.store=false")
    check(p.returncode == 1 and "cannot fill 16 RX rings of 1024 descriptors" in p.stderr and
          "kernel.nmbclusters = 1000" in p.stderr, f"exit {p.returncode}: {p.stderr}")


@test
def forwarding_off_drops_and_counts():
    m = fwd("kernel.forwarding=false")
    check(m["fwd.packets"] == 0 and m["drop.ip_noforward"] > 0,
          f"forwarding off: {m['fwd.packets']} forwarded, {m['drop.ip_noforward']} dropped")


finish()
