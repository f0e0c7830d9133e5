#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Minimal generic netlink client for the sectun selftests.

Independent of tools/sectun on purpose: the tests check the kernel with a
second implementation of the wire format, and can send requests the tool
would never build (hostile input).  Standard library only.
"""

import argparse
import errno
import json
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_EXT_ACK = 11
NLMSGERR_ATTR_MSG = 1
NLM_F_ACK_TLVS = 0x200
NLA_F_NESTED = 0x8000

# uapi/linux/sectun.h
SECTUN_CMD_DEV_GET = 1
SECTUN_CMD_SA_NEW = 2
SECTUN_CMD_SA_DEL = 3
SECTUN_CMD_SA_GET = 4
SECTUN_CMD_ENDPOINT_CHANGED = 6
EVENTS = {SECTUN_CMD_SA_NEW: "sa-new", SECTUN_CMD_SA_DEL: "sa-del",
          SECTUN_CMD_ENDPOINT_CHANGED: "endpoint-changed"}
SECTUN_A_IFINDEX = 1
SECTUN_A_IFNAME = 2
SECTUN_A_DEV = 3
SECTUN_A_SA = 4
SA_ATTRS = {2: "dir", 3: "spi", 4: "proto", 5: "alg", 6: "key", 7: "esn",
            8: "window", 9: "seq", 10: "active", 11: "stats", 12: "align4"}
SA_ATTR_IDS = {v: k for k, v in SA_ATTRS.items()}
SECTUN_DEV_A_SETTINGS = 1
SECTUN_DEV_A_ACTIVE_SPI = 2
SECTUN_DEV_A_SA_COUNT = 3
SECTUN_DEV_A_ENDPOINT = 4
SECTUN_DEV_A_ENDPOINT_PORT = 5
SECTUN_DEV_A_STATS = 6
DEV_STATS = {2: "keepalive_tx", 3: "keepalive_rx", 4: "non_esp",
             5: "floats"}
IFLA_SECTUN = {1: "local", 2: "remote", 3: "link", 4: "ttl", 5: "dscp",
               6: "df", 7: "encap", 8: "encap_sport", 9: "encap_dport",
               10: "keepalive", 11: "float"}


class NetlinkError(Exception):
    def __init__(self, err, msg):
        super().__init__(f"{msg or os.strerror(err)} ({os.strerror(err)})")
        self.errno = err
        self.extack = msg


def attr(atype, payload):
    hdr = struct.pack("HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def attr_u32(atype, value):
    return attr(atype, struct.pack("I", value))


def attr_str(atype, value):
    return attr(atype, value.encode() + b"\0")


def parse_attrs(data):
    attrs = {}
    while len(data) >= 4:
        alen, atype = struct.unpack_from("HH", data)
        if alen < 4:
            break
        attrs[atype & ~NLA_F_NESTED] = data[4:alen]
        data = data[(alen + 3) & ~3:]
    return attrs


class Genl:
    def __init__(self, family):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.bind((0, 0))
        self.seq = 1
        self.family = GENL_ID_CTRL
        reply = self.request(CTRL_CMD_GETFAMILY,
                             attr_str(CTRL_ATTR_FAMILY_NAME, family))
        self.family = struct.unpack("H",
                                    reply[0][CTRL_ATTR_FAMILY_ID][:2])[0]
        self.groups = {}
        grps = reply[0].get(CTRL_ATTR_MCAST_GROUPS, b"")
        for grp in parse_attrs(grps).values():
            g = parse_attrs(grp)
            if CTRL_ATTR_MCAST_GRP_NAME in g and CTRL_ATTR_MCAST_GRP_ID in g:
                name = g[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()
                self.groups[name] = struct.unpack(
                    "I", g[CTRL_ATTR_MCAST_GRP_ID][:4])[0]

    def join(self, group):
        self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
                             self.groups[group])

    def listen(self, count, timeout):
        """Yield (cmd, attrs) of the next count messages of the groups
        joined, until timeout seconds pass without one."""
        self.sock.settimeout(timeout)
        while count > 0:
            try:
                data = self.sock.recv(1 << 20)
            except socket.timeout:
                return
            while len(data) >= 16 and count > 0:
                mlen, mtype = struct.unpack_from("IH", data)
                msgdata = data[16:mlen]
                data = data[(mlen + 3) & ~3:]
                if mtype != self.family or len(msgdata) < 4:
                    continue
                count -= 1
                yield msgdata[0], parse_attrs(msgdata[4:])

    def request(self, cmd, payload=b"", dump=False, version=1):
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        body = struct.pack("BBH", cmd, version, 0) + payload
        self.seq += 1
        msg = struct.pack("IHHII", 16 + len(body), self.family, flags,
                          self.seq, 0) + body
        self.sock.send(msg)
        replies = []
        while True:
            data = self.sock.recv(1 << 20)
            while len(data) >= 16:
                mlen, mtype, mflags, _, _ = struct.unpack_from("IHHII", data)
                msgdata = data[16:mlen]
                data = data[(mlen + 3) & ~3:]
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack_from("i", msgdata)[0]
                    if err == 0:
                        return replies
                    extack = None
                    if mflags & NLM_F_ACK_TLVS:
                        # Capped or not, the original header comes first.
                        olen = struct.unpack_from("I", msgdata, 4)[0]
                        off = 4 + (olen if not mflags & 0x100 else 16)
                        tlvs = parse_attrs(msgdata[off:])
                        if NLMSGERR_ATTR_MSG in tlvs:
                            extack = tlvs[NLMSGERR_ATTR_MSG].rstrip(
                                b"\0").decode()
                    raise NetlinkError(err, extack)
                if mtype == NLMSG_DONE:
                    return replies
                replies.append(parse_attrs(msgdata[4:]))


def decode_settings(raw):
    out = {}
    for atype, val in parse_attrs(raw).items():
        name = IFLA_SECTUN.get(atype, str(atype))
        if name in ("local", "remote"):
            out[name] = ntop(val)
        else:
            # u8, u16 (ports, keepalive) and u32 (link), host order.
            out[name] = int.from_bytes(val, sys.byteorder)
    return out


def ntop(val):
    fam = socket.AF_INET if len(val) == 4 else socket.AF_INET6
    return socket.inet_ntop(fam, val)


def decode_dev(attrs):
    dev = {"ifindex": struct.unpack("I", attrs[SECTUN_A_IFINDEX])[0],
           "ifname": attrs[SECTUN_A_IFNAME].rstrip(b"\0").decode()}
    nest = parse_attrs(attrs.get(SECTUN_A_DEV, b""))
    if SECTUN_DEV_A_SETTINGS in nest:
        dev["settings"] = decode_settings(nest[SECTUN_DEV_A_SETTINGS])
    if SECTUN_DEV_A_SA_COUNT in nest:
        dev["sa_count"] = struct.unpack("I", nest[SECTUN_DEV_A_SA_COUNT])[0]
    if SECTUN_DEV_A_ACTIVE_SPI in nest:
        dev["active_spi"] = struct.unpack("I",
                                          nest[SECTUN_DEV_A_ACTIVE_SPI])[0]
    if SECTUN_DEV_A_ENDPOINT in nest:
        dev["endpoint"] = ntop(nest[SECTUN_DEV_A_ENDPOINT])
    if SECTUN_DEV_A_ENDPOINT_PORT in nest:
        dev["endpoint_port"] = struct.unpack(
            "H", nest[SECTUN_DEV_A_ENDPOINT_PORT][:2])[0]
    if SECTUN_DEV_A_STATS in nest:
        dev["stats"] = {DEV_STATS.get(k, str(k)): struct.unpack("Q", v)[0]
                        for k, v in
                        parse_attrs(nest[SECTUN_DEV_A_STATS]).items()
                        if len(v) == 8}
    return dev


def decode_sa(attrs):
    out = {"ifname": attrs[SECTUN_A_IFNAME].rstrip(b"\0").decode()}
    for atype, val in parse_attrs(attrs[SECTUN_A_SA]).items():
        name = SA_ATTRS.get(atype, str(atype))
        if name == "alg":
            out[name] = val.rstrip(b"\0").decode()
        elif name == "stats":
            out[name] = {str(k): struct.unpack("Q", v)[0]
                         for k, v in parse_attrs(val).items() if len(v) == 8}
        elif len(val) in (1, 4, 8):
            out[name] = int.from_bytes(val, sys.byteorder)
        else:
            out[name] = val.hex()
    return out


def sa_payload(args):
    """Build an SA request exactly as asked, however wrong it is."""
    nest = b""
    for name, fmt in (("dir", "B"), ("spi", "I"), ("proto", "B"),
                      ("esn", "B"), ("window", "I"), ("seq", "Q"),
                      ("align4", "B")):
        val = getattr(args, name, None)
        if val is not None:
            nest += attr(SA_ATTR_IDS[name], struct.pack(fmt, val))
    if getattr(args, "alg", None) is not None:
        nest += attr_str(SA_ATTR_IDS["alg"], args.alg)
    if getattr(args, "key_hex", None) is not None:
        nest += attr(SA_ATTR_IDS["key"], bytes.fromhex(args.key_hex))
    payload = b""
    if getattr(args, "ifname", None) is not None:
        payload += attr_str(SECTUN_A_IFNAME, args.ifname)
    return payload + attr(SECTUN_A_SA | NLA_F_NESTED, nest)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("dev-dump", help="dump every sectun device (JSON)")
    get = sub.add_parser("dev-get", help="get one device (JSON)")
    get.add_argument("--ifname")
    get.add_argument("--ifindex", type=int)
    for cmd in ("sa-add", "sa-del", "sa-get"):
        p = sub.add_parser(cmd, help=f"{cmd} with raw attribute values")
        p.add_argument("--ifname")
        p.add_argument("--dir", type=lambda x: int(x, 0))
        p.add_argument("--spi", type=lambda x: int(x, 0))
        p.add_argument("--proto", type=lambda x: int(x, 0))
        if cmd == "sa-add":
            p.add_argument("--alg")
            p.add_argument("--key-hex")
            p.add_argument("--esn", type=int)
            p.add_argument("--window", type=lambda x: int(x, 0))
            p.add_argument("--seq", type=lambda x: int(x, 0))
            p.add_argument("--align4", type=int)
    ev = sub.add_parser("events", help="print events of the events group "
                        "(JSON, one per line) until COUNT or TIMEOUT")
    ev.add_argument("--count", type=int, default=1)
    ev.add_argument("--timeout", type=float, default=10)
    sub.add_parser("batch", help="JSON requests from stdin, one per line: "
                   '{"cmd": "sa-add", "ifname": ..., "dir": ...}; '
                   "prints 'ok' or 'error: MESSAGE' per line")
    dump = sub.add_parser("sa-dump", help="dump SAs (JSON)")
    dump.add_argument("--ifname")
    args = ap.parse_args()

    try:
        nl = Genl("sectun")
        if args.cmd == "dev-dump":
            devs = [decode_dev(a) for a in
                    nl.request(SECTUN_CMD_DEV_GET, dump=True)]
            print(json.dumps(devs))
        elif args.cmd == "batch":
            # One process for many requests: Python starts slowly in QEMU.
            cmds = {"sa-add": SECTUN_CMD_SA_NEW, "sa-del": SECTUN_CMD_SA_DEL}
            for line in sys.stdin:
                req = argparse.Namespace(**json.loads(line))
                try:
                    nl.request(cmds[req.cmd], sa_payload(req))
                    print("ok", flush=True)
                except NetlinkError as e:
                    print(f"error: {e}", flush=True)
        elif args.cmd == "events":
            # Joined before "listening" is printed: a caller that waits
            # for it on stderr misses no event.
            nl.join("events")
            print("listening", file=sys.stderr, flush=True)
            for cmd, attrs in nl.listen(args.count, args.timeout):
                if cmd == SECTUN_CMD_ENDPOINT_CHANGED:
                    ev = decode_dev(attrs)
                elif cmd in (SECTUN_CMD_SA_NEW, SECTUN_CMD_SA_DEL):
                    ev = decode_sa(attrs)
                else:
                    ev = {}
                ev["event"] = EVENTS.get(cmd, str(cmd))
                print(json.dumps(ev), flush=True)
        elif args.cmd == "sa-add":
            nl.request(SECTUN_CMD_SA_NEW, sa_payload(args))
        elif args.cmd == "sa-del":
            nl.request(SECTUN_CMD_SA_DEL, sa_payload(args))
        elif args.cmd == "sa-get":
            print(json.dumps(decode_sa(nl.request(SECTUN_CMD_SA_GET,
                                                  sa_payload(args))[0])))
        elif args.cmd == "sa-dump":
            payload = b""
            if args.ifname is not None:
                payload = attr_str(SECTUN_A_IFNAME, args.ifname)
            print(json.dumps([decode_sa(a) for a in
                              nl.request(SECTUN_CMD_SA_GET, payload,
                                         dump=True)]))
        else:
            payload = b""
            if args.ifindex is not None:
                payload += attr_u32(SECTUN_A_IFINDEX, args.ifindex)
            if args.ifname is not None:
                payload += attr_str(SECTUN_A_IFNAME, args.ifname)
            print(json.dumps(decode_dev(nl.request(SECTUN_CMD_DEV_GET,
                                                   payload)[0])))
    except NetlinkError as e:
        print(f"sectun_nl: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        if e.errno == errno.ENOENT:
            print("sectun_nl: generic netlink family sectun not found",
                  file=sys.stderr)
        else:
            print(f"sectun_nl: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
