"""`mpstack rss` (src/cli/cmd_rss.c): the Toeplitz hash of a flow, its redirection-table
entry, queue and netisr CPU.

What it pins down: the JSON fields for the published vectors with each kind of key (ms, sym,
80 hex digits; hardware.md section 3), that DragonFly's symmetric key gives one hash and one
CPU for both directions while the Microsoft key does not, the queue and CPU against a small
model of DragonFly's mapping written here in Python (an independent bit-by-bit Toeplitz and
if_ringmap_rdrtable), the human-readable form, --help, and that every bad input gets one
line on stderr and exit status 2 with nothing on stdout."""
import json
import random

from common import check, finish, fresh_tmp, run, test

fresh_tmp()

MS_KEY = ("6d5a56da255b0ec24167253d43a38fb0d0ca2bcb"
          "ae7b30b477cb2da38030f20c6a42b73bbeac01fa")
SYM_KEY = "6d5a" * 20

# (src, dst, MS addresses only, MS 4-tuple, symmetric addresses only, symmetric 4-tuple)
VECTORS = [
    ("66.9.149.187:2794", "161.142.100.80:1766", 0x323e8fc2, 0x51ccc178, 0x0a590a59, 0x9fcc9fcc),
    ("199.92.111.2:14230", "65.69.140.83:4739", 0xd718262a, 0xc626b0ea, 0x7ba97ba9, 0x60d760d7),
    ("24.19.198.95:12898", "12.22.207.184:38024", 0xd2d0a5de, 0x5c2b394a, 0xa55aa55a,
     0x3a3e3a3e),
    ("38.27.205.30:48228", "209.142.163.6:2217", 0x82989176, 0xafc7327f, 0xf8a7f8a7, 0xd26ed26e),
    ("153.39.163.191:44251", "202.188.127.2:1303", 0x5d1809c5, 0x10e828a2, 0x57545754,
     0xf23ef23e),
]
PAPER = ("192.168.1.1:3007", "192.168.1.2:2003")


def rss_json(*args):
    p = run("rss", *args, "--json", check=0)
    return json.loads(p.stdout)


# ---- an independent model, for the cross-check ------------------------------------------

def toeplitz(key, data):
    """Bit-by-bit definition: XOR the 32 key bits starting at each set input bit."""
    k, kbits, h = int.from_bytes(key, "big"), len(key) * 8, 0
    for i in range(len(data) * 8):
        if data[i // 8] >> (7 - i % 8) & 1:
            h ^= (k >> (kbits - 32 - i)) & 0xffffffff
    return h


def tuple_bytes(src, dst):
    out = b""
    for ep in (src, dst):
        out += bytes(int(x) for x in ep.split(":")[0].split("."))
    for ep in (src, dst):
        out += int(ep.split(":")[1]).to_bytes(2, "big")
    return out


def ringmap(nrings, ncpus, cpumax=128):
    """if_ringmap_alloc + if_ringmap_rdrtable (DragonFly sys/net/if.c), unit 0."""
    cnt = min(nrings, ncpus)
    prev, grid = ncpus, None
    for d in range(1, ncpus + 1):
        if ncpus % d:
            continue
        g = ncpus // d
        if cnt > g:
            grid = prev
            break
        if cnt > ncpus // (d + 1):
            grid = g
            break
        prev = g
    table = [(i % grid) % cnt for i in range(cpumax)]
    rem, nxt, start = grid % cnt, 0, grid - grid % cnt
    while rem and start < cpumax:
        for j in range(rem):
            if start + j < cpumax:
                table[start + j] = nxt % cnt
                nxt += 1
        start += grid
    return cnt, grid, [table[i % cpumax] for i in range(128)]


def model(src, dst, key_hex, queues, cpus):
    h = toeplitz(bytes.fromhex(key_hex), tuple_bytes(src, dst))
    cnt, grid, reta = ringmap(queues, cpus)
    q = reta[h & 127]
    return {"hash": h, "reta_index": h & 127, "queue": q, "queue_cpu": q,
            "cpu": (h & 0xffff & 127) % cpus, "queues": cnt, "ringmap_grid": grid}


# ---- tests --------------------------------------------------------------------------------

@test
def ms_key_vectors():
    for src, dst, addr, tcp, _, _ in VECTORS:
        j = rss_json(src, dst, "--key", "ms")
        check(j["key"] == "ms" and j["key_hex"] == MS_KEY, f"key fields: {j}")
        check(j["hash"] == tcp, f"{src} -> {dst}: hash {j['hash']:#x}, expected {tcp:#x}")
        check(j["hash_addr_only"] == addr, f"{src} -> {dst}: addr {j['hash_addr_only']:#x}")
        check(j["symmetric"] is False, f"{src}: the MS key should not be symmetric")
        for k in ("hash", "reta_index", "queue", "cpu", "queue_cpu", "hash_addr_only"):
            check(type(j[k]) is int, f"{k} is not an integer: {j[k]!r}")
        check(j["reta_index"] == tcp & 127, f"reta_index {j['reta_index']}")
        check(j["hash_hex"] == f"0x{tcp:08x}", j["hash_hex"])


@test
def sym_key_vectors_both_ways():
    for src, dst, _, _, addr, tcp in VECTORS:
        fwd = rss_json(src, dst)  # sym is the default
        rev = rss_json(dst, src, "--key", "sym")
        check(fwd["key"] == "sym" and fwd["key_hex"] == SYM_KEY, f"default key: {fwd['key']}")
        check(fwd["hash"] == tcp and rev["hash"] == tcp,
              f"{src} <-> {dst}: {fwd['hash']:#x} / {rev['hash']:#x}, expected {tcp:#x}")
        check(fwd["hash_addr_only"] == addr and rev["hash_addr_only"] == addr, "addr only")
        check(fwd["symmetric"] is True and fwd["hash_reverse"] == tcp, "symmetric flag")
        check((fwd["queue"], fwd["cpu"]) == (rev["queue"], rev["cpu"]),
              f"{src}: queue/cpu differ between directions")
        check(fwd["hash16"] == tcp & 0xffff and tcp >> 16 == tcp & 0xffff, "16-bit halves")


@test
def hex_keys():
    src, dst, _, tcp, _, _ = VECTORS[0]
    j = rss_json(src, dst, "--key", MS_KEY)
    check(j["key"] == "hex" and j["hash"] == tcp, f"MS key as hex: {j['hash']:#x}")
    j = rss_json(src, dst, f"--key={MS_KEY.upper()}")
    check(j["hash"] == tcp and j["key_hex"] == MS_KEY, "upper-case hex, --key=")
    j = rss_json(*PAPER, "--key", SYM_KEY)
    check(j["hash"] == 0xe501e501 and j["symmetric"], f"sym key as hex: {j['hash']:#x}")
    zero = rss_json(*PAPER, "--key", "00" * 40)
    check(zero["hash"] == 0 and zero["queue"] == 0 and zero["cpu"] == 0, "all-zero key")


@test
def paper_example():
    j = rss_json(*PAPER)
    check(j["hash"] == 0xe501e501 and j["hash_addr_only"] == 0xadfbadfb, f"{j}")
    check((j["reta_index"], j["queue"], j["queue_cpu"], j["cpu"]) == (1, 1, 1, 1), f"{j}")
    check(j["queues"] == 8 and j["cpus"] == 8, "defaults: 8 queues, as many CPUs")
    j = rss_json(*PAPER, "--key", "ms")
    check(j["hash"] == 0x9e51fb2a and j["hash_reverse"] == 0x4c472df4, f"{j}")
    check(j["hash_addr_only"] == 0x477c47a4, f"{j}")
    j = rss_json(PAPER[1], PAPER[0], "--key", "ms")
    check(j["hash"] == 0x4c472df4 and j["hash_addr_only"] == 0x6c6d58a4, f"{j}")


@test
def queue_and_cpu_mapping():
    # 4 rings on 8 CPUs: two grids of 4; this flow's ring is served by CPU 1, but its
    # netisr is CPU 5 (hash 0xa78da78d, entry 13).
    j = rss_json("10.0.0.1:80", "10.0.0.2:5000", "--queues", "4", "--cpus", "8")
    check((j["hash"], j["reta_index"]) == (0xa78da78d, 13), f"{j['hash']:#x}")
    check((j["queue"], j["queue_cpu"], j["cpu"], j["ringmap_grid"]) == (1, 1, 5, 4), f"{j}")
    # More rings than CPUs: DragonFly uses one per CPU.
    j = rss_json(*PAPER, "--queues", "16", "--cpus", "8")
    check(j["queues"] == 8 and j["queues_requested"] == 16, f"{j}")
    j = rss_json(*PAPER, "--queues", "12")
    check(j["cpus"] == 12 and j["cpu"] == (0xe501 & 127) % 12, f"{j}")


@test
def against_python_model():
    rnd = random.Random(7)
    for i in range(24):
        src = ".".join(str(rnd.randrange(256)) for _ in range(4)) + f":{rnd.randrange(65536)}"
        dst = ".".join(str(rnd.randrange(256)) for _ in range(4)) + f":{rnd.randrange(65536)}"
        key = [MS_KEY, SYM_KEY, bytes(rnd.randrange(256) for _ in range(40)).hex()][i % 3]
        queues = rnd.randint(1, 16)
        cpus = rnd.randint(1, 24)
        j = rss_json(src, dst, "--key", key, "--queues", str(queues), "--cpus", str(cpus))
        want = model(src, dst, key, queues, cpus)
        got = {k: j[k] for k in want}
        check(got == want, f"{src} {dst} q={queues} c={cpus}: got {got}, model {want}")


@test
def text_output():
    p = run("rss", *PAPER, check=0)
    out = p.stdout
    for word in ("hash        0xe501e501", "reta index  1", "queue       1", "cpu         1",
                 "0xadfbadfb", "both directions"):
        check(word in out, f"text output lacks {word!r}:\n{out}")
    check(p.stderr == "", f"stderr: {p.stderr!r}")
    p = run("rss", *PAPER, "--key", "ms", "--queues", "4", "--cpus", "8", check=0)
    check("different" in p.stdout and "0x4c472df4" in p.stdout, p.stdout)


@test
def help_exits_zero():
    for args in (("rss", "--help"), ("rss", "-h"), ("rss", "1.2.3.4:5", "--help")):
        p = run(*args, check=0)
        check(p.stdout.startswith("usage: mpstack rss SRC_IP:PORT DST_IP:PORT"), p.stdout[:80])
        for opt in ("--key", "--queues", "--cpus", "--json"):
            check(opt in p.stdout, f"--help lacks {opt}")


@test
def every_mistake_is_a_usage_error():
    ok = ("1.2.3.4:5", "6.7.8.9:10")
    cases = [
        ((), "missing the source"),
        (("1.2.3.4:5",), "missing the destination"),
        (("1.2.3:5", ok[1]), "four numbers"),
        (("1.2.3.4.5:5", ok[1]), "more than four"),
        (("1.2.3.256:5", ok[1]), "above 255"),
        (("a.b.c.d:5", ok[1]), "four numbers"),
        (("1.2.3.04:5", ok[1]), "leading zero"),
        (("1.2.3.4", ok[1]), "ADDRESS:PORT"),
        ((ok[0], "6.7.8.9:65536"), "above 65535"),
        ((ok[0], "6.7.8.9:99999999"), "0-65535"),
        ((ok[0], "6.7.8.9:-1"), "0-65535"),
        ((ok[0], "6.7.8.9:"), "0-65535"),
        ((*ok, "1.1.1.1:1"), "extra argument"),
        ((*ok, "--key"), "missing value"),
        ((*ok, "--key", "rsa"), "80 hex digits"),
        ((*ok, "--key", "6d5a" * 19), "got 76 characters"),
        ((*ok, "--key", "6g" * 40), "non-hex"),
        ((*ok, "--key="), "got 0 characters"),
        ((*ok, "--queues", "0"), "1 to 128"),
        ((*ok, "--queues", "129"), "1 to 128"),
        ((*ok, "--queues", "-3"), "1 to 128"),
        ((*ok, "--queues", "four"), "1 to 128"),
        ((*ok, "--queues"), "missing value"),
        ((*ok, "--cpus", "0"), "1 to 128"),
        ((*ok, "--cpus", "1000"), "1 to 128"),
        ((*ok, "--frobnicate"), "unknown option"),
        ((*ok, "-x"), "unknown option"),
    ]
    for args, words in cases:
        for extra in ((), ("--json",)):
            p = run("rss", *extra, *args)
            where = f"mpstack rss {' '.join(extra + args)}"
            check(p.returncode == 2, f"{where}: exit {p.returncode}, expected 2")
            check(p.stdout == "", f"{where}: printed {p.stdout!r}")
            lines = p.stderr.splitlines()
            check(len(lines) == 1 and lines[0].startswith("mpstack rss: ") and words in lines[0],
                  f"{where}: stderr {p.stderr!r} (want one line with {words!r})")


finish()
