"""Write the seed corpus of fuzz_ether into the directory given: a valid frame and one
variant per drop reason the stack knows (see fuzz_ether.c for the input format)."""
import os
import struct
import sys


def cksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frame(dst=b"\xc6\x12\x00\x01", ttl=64, vhl=0x45, tot=46, off=0, ethertype=0x0800,
          mac=b"\x02\x00\x00\x00\x00\x01", fix=True):
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", vhl, 0, tot, 0, off, ttl, 17, 0,
                               b"\x0a\x00\x00\x07", dst))
    if fix:
        ip[10:12] = struct.pack("!H", cksum(bytes(ip)))
    eth = mac + b"\x02\x00\x00\x00\x00\x10" + struct.pack("!H", ethertype)
    return (eth + bytes(ip)).ljust(60, b"\x00")


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
seeds = {
    "good": b"\x03" + frame(),
    "good_trusted": b"\x0b" + frame(),
    "runt": b"\x03" + frame()[:40],
    "not_eop": b"\x02" + frame(),
    "ipv6": b"\x01" + frame(ethertype=0x86DD),
    "other_mac": b"\x03" + frame(mac=b"\x02\x00\x00\x00\x00\x77"),
    "version": b"\x01" + frame(vhl=0x65),
    "hlen": b"\x01" + frame(vhl=0x44, fix=False),
    "len": b"\x01" + frame(tot=10),
    "cksum": b"\x01" + frame(fix=False),
    "nic_bad": b"\x0d" + frame(),
    "ttl": b"\x01" + frame(ttl=1),
    "frag": b"\x01" + frame(off=0x2000),
    "noroute": b"\x01" + frame(dst=b"\x08\x08\x08\x08"),
    "noarp": b"\x01" + frame(dst=b"\xcb\x00\x71\x01"),
    "local": b"\x01" + frame(dst=b"\x0a\x00\x00\x01"),
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
