#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""ESP and AH packets for the selftests, with nothing but the standard
library.

As a program:
    esp_pkt.py ping DST...        echo requests of many sizes to each
                                  address, over raw sockets; exit 1 unless
                                  every one is answered
    esp_pkt.py split PCAP DIR SPI=NAME...
                                  write the frames of each SPI to
                                  DIR/NAME.pcap (names may repeat: both
                                  directions of a tunnel into one file)

As a module (esp_neg.sh's per-case scripts import it):
    NullHmacSA    builds ESP with NULL encryption and an HMAC: everything a
                  hostile packet needs (valid ICV, any padding, any next
                  header) without a cipher implementation
    Capture       reads the ESP packets a namespace's peer sends, to re-inject
                  or tamper with packets of any algorithm
    send_esp      sends an ESP payload from a raw socket; the kernel adds
                  the outer IP header
    AhSA          builds whole AH packets (RFC 4302, tunnel mode), outer IP
                  header included, with any alignment and header length
    ah_parse, ah_icv
                  take a captured AH packet apart and compute the ICV it
                  should carry: an implementation of RFC 4302 that shares
                  no code with sectun or the kernel
    send_ip       sends a whole IP packet (header included) from a raw
                  socket
"""

import hmac
import os
import select
import socket
import struct
import sys
import time

IPPROTO_ESP = 50
IPPROTO_AH = 51
ETH_P_ALL = 0x0003
PACKET_HOST = 0
PACKET_OUTGOING = 4


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ipv4(src, dst, proto, payload, total_len=None, version=4, ttl=64,
         df=False):
    """An IPv4 packet; total_len and version may lie on purpose."""
    tl = 20 + len(payload) if total_len is None else total_len
    h = struct.pack("!BBHHHBBH4s4s", (version << 4) | 5, 0, tl, 1,
                    0x4000 if df else 0, ttl, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ipv6(src, dst, nh, payload, payload_len=None, hlim=64):
    pl = len(payload) if payload_len is None else payload_len
    return struct.pack("!IHBB16s16s", 6 << 28, pl, nh, hlim,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def udp(src, dst, sport, dport, data):
    """A UDP datagram with a correct checksum for either family."""
    length = 8 + len(data)
    if ":" in src:
        fam = socket.AF_INET6
        pseudo = (socket.inet_pton(fam, src) + socket.inet_pton(fam, dst) +
                  struct.pack("!I3xB", length, 17))
    else:
        pseudo = (socket.inet_aton(src) + socket.inet_aton(dst) +
                  struct.pack("!xBH", 17, length))
    hdr = struct.pack("!HHHH", sport, dport, length, 0)
    c = csum(pseudo + hdr + data) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, length, c) + data


def icmp_echo(src, dst, ident, seq, data):
    """An ICMP or ICMPv6 echo request with a correct checksum, without
    the IP header."""
    if ":" in src:
        fam = socket.AF_INET6
        msg = struct.pack("!BBHHH", 128, 0, 0, ident, seq) + data
        pseudo = (socket.inet_pton(fam, src) + socket.inet_pton(fam, dst) +
                  struct.pack("!I3xB", len(msg), 58))
        c = csum(pseudo + msg)
    else:
        msg = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
        c = csum(msg)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def inner_udp(src, dst, data=b"sectun", dport=9):
    """An inner IPv4 or IPv6 UDP packet and its ESP next header (4/41)."""
    u = udp(src, dst, 4242, dport, data)
    if ":" in src:
        return ipv6(src, dst, 17, u), 41
    return ipv4(src, dst, 17, u), 4


def trailer(length, nh, align=4, pad=None, pad_len=None):
    """RFC 4303 padding (1, 2, 3, ... up to the alignment), pad length and
    next header for a payload of LENGTH bytes; pad and pad_len override
    the bytes and the length field to make bad ones."""
    n = (-(length + 2)) % align
    if pad is None:
        pad = bytes(range(1, n + 1))
    return pad + bytes([len(pad) if pad_len is None else pad_len, nh])


class NullHmacSA:
    """An SA with NULL encryption and HMAC integrity (null-sha256 &c.)."""

    ICV = {"sha1": 12, "sha256": 16, "sha384": 24, "sha512": 32, "md5": 12}

    def __init__(self, spi, hash_name, key_hex):
        self.spi = spi
        self.hash = hash_name
        self.key = bytes.fromhex(key_hex)
        self.icv_len = self.ICV[hash_name]

    def icv(self, data):
        return hmac.new(self.key, data, self.hash).digest()[:self.icv_len]

    def seal(self, seq, plaintext):
        """SPI, sequence number, plaintext (payload and trailer), ICV."""
        head = struct.pack("!II", self.spi, seq) + plaintext
        return head + self.icv(head)

    def packet(self, seq, payload, nh, **kw):
        """A whole ESP packet; keyword arguments go to trailer()."""
        return self.seal(seq, payload + trailer(len(payload), nh, **kw))


def send_esp(dst, esp):
    """Send ESP bytes to DST (either family) from a raw socket."""
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    with socket.socket(fam, socket.SOCK_RAW, IPPROTO_ESP) as s:
        s.sendto(esp, (dst, 0))


def flip(data, offset, bit=0x01):
    """DATA with one bit flipped; negative offsets count from the end."""
    b = bytearray(data)
    b[offset] ^= bit
    return bytes(b)


class Capture:
    """ESP packets leaving through IFNAME, as (family, esp bytes); or,
    with PROTO and PKTTYPE (PACKET_HOST: arriving), packets of another
    protocol right behind the IP header, in either direction."""

    def __init__(self, ifname, proto=IPPROTO_ESP, pkttype=PACKET_OUTGOING):
        self.proto = proto
        self.pkttype = pkttype
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                               socket.htons(ETH_P_ALL))
        self.s.bind((ifname, ETH_P_ALL))

    def next_ip(self, timeout=5.0):
        """(family, the whole IP packet) of the next matching frame."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.s], [], [], left)[0]:
                raise TimeoutError("no packet of protocol %d within %.1f s"
                                   % (self.proto, timeout))
            frame, addr = self.s.recvfrom(65535)
            if addr[2] != self.pkttype or len(frame) < 14:
                continue
            etype = struct.unpack("!H", frame[12:14])[0]
            ip = frame[14:]
            if etype == 0x0800 and ip[9] == self.proto:
                tl = struct.unpack("!H", ip[2:4])[0]
                return 4, ip[:tl]
            if etype == 0x86DD and ip[6] == self.proto:
                pl = struct.unpack("!H", ip[4:6])[0]
                return 6, ip[:40 + pl]

    def next(self, timeout=5.0):
        fam, ip = self.next_ip(timeout)
        return fam, ip[(ip[0] & 0x0F) * 4 if fam == 4 else 40:]

    def close(self):
        self.s.close()


def esp_seq(esp):
    return struct.unpack("!I", esp[4:8])[0]


# -------------------------------------------------------------------- AH

AH_ICV = {"sha1": 12, "sha256": 16, "sha384": 24, "sha512": 32, "md5": 12}


def send_ip(packet):
    """Send a whole IPv4 or IPv6 packet, header included, to its
    destination (IPPROTO_RAW: the kernel routes it by the header and
    fills in only the IPv4 checksum and total length)."""
    v6 = packet[0] >> 4 == 6
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    dst = socket.inet_ntop(fam, packet[24:40] if v6 else packet[16:20])
    with socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_RAW) as s:
        s.sendto(packet, (dst, 0))


def ah_parse(ip):
    """The parts of an IPv4 or IPv6 packet with AH right behind the IP
    header (tunnel mode, no options or extension headers): a dict with
    ihl (IP header bytes), nh, hdrlen (the length field), ah_len, spi,
    seq, ah (the whole AH header, ICV and padding included) and inner
    (what follows it)."""
    v6 = ip[0] >> 4 == 6
    ihl = 40 if v6 else (ip[0] & 0x0F) * 4
    nh, hdrlen, _, spi, seq = struct.unpack("!BBHII", ip[ihl:ihl + 12])
    ah_len = (hdrlen + 2) * 4
    return {"ihl": ihl, "nh": nh, "hdrlen": hdrlen, "ah_len": ah_len,
            "spi": spi, "seq": seq, "ah": ip[ihl:ihl + ah_len],
            "inner": ip[ihl + ah_len:]}


def ah_icv(ip, key, hash_name, seq_hi=None):
    """The ICV an AH packet (IPv4 or IPv6, AH right behind the IP
    header) must carry, computed as RFC 4302 3.3.3 says: the IP header
    with its mutable fields zeroed (IPv4: TOS, flags and fragment offset,
    TTL, checksum; IPv6: traffic class, flow label, hop limit), the AH
    header with its ICV zeroed, the payload, and with ESN the high half
    of the sequence number.  The ICV padding, if any, goes in as it is
    on the wire: RFC 4302 3.3.3.2.1 has the sender choose it and the ICV
    cover it, and Linux zeroes only the ICV itself (ah4.c, ah6.c)."""
    icv_len = AH_ICV[hash_name]
    p = ah_parse(ip)
    hdr = bytearray(ip[:p["ihl"]])
    if hdr[0] >> 4 == 6:
        hdr[0:4] = b"\x60\x00\x00\x00"     # version; TC, flow label 0
        hdr[7] = 0                          # hop limit
    else:
        hdr[1] = 0                          # TOS
        hdr[6:8] = b"\x00\x00"              # flags, fragment offset
        hdr[8] = 0                          # TTL
        hdr[10:12] = b"\x00\x00"            # checksum
    ah = bytearray(p["ah"])
    ah[12:12 + icv_len] = bytes(icv_len)
    data = bytes(hdr) + bytes(ah) + p["inner"]
    if seq_hi is not None:
        data += struct.pack("!I", seq_hi)
    return hmac.new(bytes.fromhex(key) if isinstance(key, str) else key,
                    data, hash_name).digest()[:icv_len]


class AhSA:
    """An AH SA in tunnel mode: whole packets from SRC to DST, with a
    valid ICV, or with whatever is wrong on purpose."""

    def __init__(self, spi, hash_name, key_hex, src, dst, align=None):
        self.spi = spi
        self.hash = hash_name
        self.key = bytes.fromhex(key_hex)
        self.icv_len = AH_ICV[hash_name]
        self.src, self.dst = src, dst
        self.v6 = ":" in src
        # IPv6 always pads the AH header to 8 bytes, IPv4 to 8 by default.
        self.align = align or 8

    def packet(self, seq, inner, nh, ah_len=None, pad=None, seq_hi=None,
               icv=None, ttl=64):
        """The whole packet.  ah_len overrides the length the header
        claims (and the room given to ICV and padding: shorter truncates
        the ICV); pad the padding bytes (zeros by default); icv the ICV
        itself (computed by default)."""
        n = 12 + self.icv_len
        full = (n + self.align - 1) // self.align * self.align
        if pad is None:
            pad = bytes(full - n)
        body = bytes(self.icv_len) + pad
        if ah_len is not None:
            body = (body + bytes(max(0, ah_len - 12 - len(body))))
            body = body[:max(0, ah_len - 12)]
        length = 12 + len(body) if ah_len is None else ah_len
        ah = struct.pack("!BBHII", nh, length // 4 - 2, 0, self.spi,
                         seq & 0xFFFFFFFF) + body
        if self.v6:
            ip = ipv6(self.src, self.dst, IPPROTO_AH, ah + inner, hlim=ttl)
        else:
            ip = ipv4(self.src, self.dst, IPPROTO_AH, ah + inner, ttl=ttl)
        if icv is None and len(body) >= self.icv_len:
            icv = ah_icv(ip, self.key, self.hash, seq_hi)
        if icv is not None:
            p = ah_parse(ip)
            off = p["ihl"] + 12
            ip = ip[:off] + icv + ip[off + len(icv):]
        return ip


# ------------------------------------------------------------------ ping

# Inner sizes that walk every padding residue of a 16-byte block cipher
# (AES-CBC) and of the 4-byte alignment, plus two large ones.
PING_SIZES = list(range(0, 17)) + [200, 1000]


def ping(dsts, sizes=PING_SIZES, timeout=10.0):
    """Echo requests of every size to each destination in turn; returns
    the (destination, size) pairs left unanswered.  One destination at a
    time, so that replies never overflow a socket buffer."""
    ident = os.getpid() & 0xFFFF
    s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                       socket.IPPROTO_ICMPV6)
    lost = []
    for dst in dsts:
        v6 = ":" in dst
        s = s6 if v6 else s4
        fam = socket.AF_INET6 if v6 else socket.AF_INET
        want = socket.inet_pton(fam, dst)
        pending = {}
        for seq, size in enumerate(sizes):
            data = bytes((seq + i) & 0xFF for i in range(size))
            msg = struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, ident,
                              seq) + data
            if not v6:
                # The kernel computes only ICMPv6 checksums.
                msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
            pending[seq] = size
            s.sendto(msg, (dst, 0))
        end = time.monotonic() + timeout
        while pending:
            left = end - time.monotonic()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                break
            pkt, addr = s.recvfrom(65535)
            icmp = pkt if v6 else pkt[(pkt[0] & 0x0F) * 4:]
            if len(icmp) < 8 or socket.inet_pton(fam, addr[0]) != want:
                continue
            typ, _, _, rid, seq = struct.unpack("!BBHHH", icmp[:8])
            if typ == (129 if v6 else 0) and rid == ident and \
                    len(icmp) - 8 == pending.get(seq, -1):
                del pending[seq]
        lost += [(dst, size) for size in pending.values()]
    s4.close()
    s6.close()
    return lost


# ----------------------------------------------------------------- pcap

def pcap_records(path):
    """(header bytes, records) of a pcap file (tcpdump -w)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24 or data[:4] not in (b"\xd4\xc3\xb2\xa1",
                                          b"\xa1\xb2\xc3\xd4"):
        raise ValueError("%s: not a pcap file" % path)
    endian = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != 1:
        raise ValueError("%s: link type %d, not Ethernet" % (path, linktype))
    recs, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        recs.append(data[off:off + 16 + caplen])
        off += 16 + caplen
    return data[:24], recs


def frame_spi(rec):
    """The SPI of the ESP packet in a pcap record, or None."""
    frame = rec[16:]
    etype = struct.unpack("!H", frame[12:14])[0]
    ip = frame[14:]
    if etype == 0x0800 and ip[9] == IPPROTO_ESP:
        off = (ip[0] & 0x0F) * 4
    elif etype == 0x86DD and ip[6] == IPPROTO_ESP:
        off = 40
    else:
        return None
    return struct.unpack("!I", ip[off:off + 4])[0]


def split(pcap, outdir, spi_names):
    """Write the frames of each SPI to OUTDIR/NAME.pcap; returns the
    number of frames per name and of frames no name claimed."""
    head, recs = pcap_records(pcap)
    out = {name: [] for name in spi_names.values()}
    stray = 0
    for rec in recs:
        name = spi_names.get(frame_spi(rec))
        if name is None:
            stray += 1
        else:
            out[name].append(rec)
    for name, rs in out.items():
        with open(os.path.join(outdir, name + ".pcap"), "wb") as f:
            f.write(head + b"".join(rs))
    return {name: len(rs) for name, rs in out.items()}, stray


def main(argv):
    if len(argv) >= 2 and argv[0] == "ping":
        lost = ping(argv[1:])
        n = len(PING_SIZES) * len(argv[1:])
        print("ping: %d of %d echo requests answered" % (n - len(lost), n))
        if lost:
            print("unanswered (destination, size):", lost)
            return 1
        return 0
    if len(argv) >= 4 and argv[0] == "split":
        names = {}
        for a in argv[3:]:
            spi, name = a.split("=", 1)
            names[int(spi, 0)] = name
        counts, stray = split(argv[1], argv[2], names)
        for name in sorted(counts):
            print("split: %s %d" % (name, counts[name]))
        print("split: stray %d" % stray)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
