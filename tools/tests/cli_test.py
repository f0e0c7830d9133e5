#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Host tests of the sectun tool and the iproute2 plugin, no module needed.

sectun-fake is the tool with its netlink layer replaced by files
(nl_fake.c): each case checks the exact request the tool builds from a
command line, and the output it makes of replies and events built here
the way the kernel builds them (uapi/linux/sectun.h).  plugin-host calls
the iproute2 plugin's parse_opt and print_opt as ip(8) would.  The bash
completion is driven the way bash drives it.

Builds what it needs with `make -C tools tests`, prints KTAP, exits 1 if a
case failed.  Run it from anywhere; python3 standard library only.
"""

import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.dirname(HERE)
TOP = os.path.dirname(TOOLS)
FAKE = os.path.join(HERE, 'sectun-fake')
PLUGIN_HOST = os.path.join(HERE, 'plugin-host')
PLUGIN = os.path.join(HERE, 'link_sectun.so')
COMPLETION = os.path.join(TOOLS, 'completion', 'sectun')


def header_enums():
    """Every enumerator and #define of the uapi header, by name."""
    text = open(os.path.join(TOP, 'uapi/linux/sectun.h')).read()
    text = re.sub(r'/\*.*?\*/', '', text, flags=re.S)
    vals = {}
    for body in re.findall(r'enum\s*\w*\s*\{(.*?)\}', text, flags=re.S):
        n = -1
        for item in body.split(','):
            item = item.strip()
            if not item:
                continue
            name, _, val = item.partition('=')
            n = int(val.strip(), 0) if val.strip() else n + 1
            vals[name.strip()] = n
    for name, val in re.findall(r'#define\s+(\w+)\s+(\d+|0x[0-9a-fA-F]+)\b',
                                text):
        vals[name] = int(val, 0)
    return vals


H = header_enums()
FAMILY = 0x1d           # nl_fake.c's FAKE_FAMILY
NLA_F_NESTED = 0x8000
RTM_NEWLINK = 16
IFLA_LINKINFO = 18
IFLA_INFO_KIND = 1
IFLA_INFO_DATA = 2
IPPROTO_ESP = 50
IPPROTO_AH = 51
KEY_SHA256 = '00112233445566778899aabbccddeeff' * 2
KEY_GCM128 = '000102030405060708090a0b0c0d0e0f10111213'


# ------------------------------------------------------------ netlink bytes

def nla(atype, payload):
    hdr = struct.pack('HH', 4 + len(payload), atype)
    return hdr + payload + b'\0' * ((4 - len(payload) % 4) % 4)


def nest(atype, *attrs):
    return nla(atype | NLA_F_NESTED, b''.join(attrs))


def u8(atype, v):
    return nla(atype, struct.pack('B', v))


def u16(atype, v):
    return nla(atype, struct.pack('H', v))


def u32(atype, v):
    return nla(atype, struct.pack('I', v))


def u64(atype, v):
    return nla(atype, struct.pack('Q', v))


def strz(atype, s):
    return nla(atype, s.encode() + b'\0')


def addr(atype, a):
    fam = socket.AF_INET6 if ':' in a else socket.AF_INET
    return nla(atype, socket.inet_pton(fam, a))


def nlmsg(mtype, payload, flags=0):
    return struct.pack('IHHII', 16 + len(payload), mtype, flags, 0, 0) + \
        payload


def genl(cmd, *attrs):
    return nlmsg(FAMILY, struct.pack('BBH', cmd, 1, 0) + b''.join(attrs))


def parse_attrs(data):
    """{type: payload}; the last of a type wins (none repeats here)."""
    out = {}
    while len(data) >= 4:
        alen, atype = struct.unpack_from('HH', data)
        if alen < 4:
            raise ValueError('attribute shorter than its header')
        out[atype & ~NLA_F_NESTED] = data[4:alen]
        data = data[(alen + 3) & ~3:]
    return out


def dev_reply(name='st0', ifindex=7, settings=(), dev=()):
    """A DEV_GET reply; settings and dev are lists of attributes."""
    return genl(H['SECTUN_CMD_DEV_GET'],
                u32(H['SECTUN_A_IFINDEX'], ifindex),
                strz(H['SECTUN_A_IFNAME'], name),
                nest(H['SECTUN_A_DEV'],
                     nest(H['SECTUN_DEV_A_SETTINGS'], *settings), *dev))


def old_settings(local='192.0.2.1', remote='198.51.100.7'):
    """What a module without NAT traversal reports."""
    return [addr(H['IFLA_SECTUN_LOCAL'], local),
            addr(H['IFLA_SECTUN_REMOTE'], remote),
            u32(H['IFLA_SECTUN_LINK'], 0),
            u8(H['IFLA_SECTUN_TTL'], 64),
            u8(H['IFLA_SECTUN_DSCP'], 0xff),
            u8(H['IFLA_SECTUN_DF'], 0)]


def natt_settings(encap=1, sport=4500, dport=4500, keepalive=20, floating=1):
    return [u8(H['IFLA_SECTUN_ENCAP'], encap),
            u16(H['IFLA_SECTUN_ENCAP_SPORT'], sport),
            u16(H['IFLA_SECTUN_ENCAP_DPORT'], dport),
            u16(H['IFLA_SECTUN_KEEPALIVE'], keepalive),
            u8(H['IFLA_SECTUN_FLOAT'], floating)]


def dev_stats(tx=5, rx=3, non_esp=2, floats=1):
    return nest(H['SECTUN_DEV_A_STATS'],
                u64(H['SECTUN_DEV_STATS_A_KEEPALIVE_TX'], tx),
                u64(H['SECTUN_DEV_STATS_A_KEEPALIVE_RX'], rx),
                u64(H['SECTUN_DEV_STATS_A_NON_ESP'], non_esp),
                u64(H['SECTUN_DEV_STATS_A_FLOATS'], floats))


def sa_reply(cmd=None, name='st0', direction='out', spi=0x1001,
             proto=IPPROTO_AH, alg='sha256', align4=None, active=True):
    attrs = [u8(H['SECTUN_SA_A_DIR'],
                H['SECTUN_DIR_IN'] if direction == 'in' else
                H['SECTUN_DIR_OUT']),
             u32(H['SECTUN_SA_A_SPI'], spi),
             u8(H['SECTUN_SA_A_PROTO'], proto),
             strz(H['SECTUN_SA_A_ALG'], alg),
             u8(H['SECTUN_SA_A_ESN'], 0),
             u32(H['SECTUN_SA_A_WINDOW'], 64),
             u64(H['SECTUN_SA_A_SEQ'], 1),
             u8(H['SECTUN_SA_A_ACTIVE'], int(active)),
             nest(H['SECTUN_SA_A_STATS'],
                  u64(H['SECTUN_STATS_A_PACKETS'], 0))]
    if align4 is not None:
        attrs.append(u8(H['SECTUN_SA_A_ALIGN4'], align4))
    return genl(cmd or H['SECTUN_CMD_SA_GET'],
                u32(H['SECTUN_A_IFINDEX'], 7),
                strz(H['SECTUN_A_IFNAME'], name),
                nest(H['SECTUN_A_SA'], *attrs))


def link_reply(data_attrs):
    """An RTM_NEWLINK reply to RTM_GETLINK, of kind sectun."""
    ifi = struct.pack('BBHiII', 0, 0, 0, 1, 0, 0)
    return nlmsg(RTM_NEWLINK, ifi + nest(
        IFLA_LINKINFO, strz(IFLA_INFO_KIND, 'sectun'),
        nest(IFLA_INFO_DATA, *data_attrs)))


# ------------------------------------------------------------ running

class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def eq(got, want, what):
    if got != want:
        raise Fail(f'{what}: got {got!r}, want {want!r}')


class Run:
    """One sectun-fake run in its own conversation directory."""

    def __init__(self, args, replies=None, errors=None, events=None,
                 stdin=None, files=None):
        self.dir = tempfile.mkdtemp(prefix='sectun-cli-test.')
        for n, data in (replies or {}).items():
            with open(os.path.join(self.dir, f'reply.{n}'), 'wb') as f:
                f.write(data)
        for n, text in (errors or {}).items():
            with open(os.path.join(self.dir, f'error.{n}'), 'w') as f:
                f.write(text)
        if events is not None:
            with open(os.path.join(self.dir, 'events'), 'wb') as f:
                f.write(events)
        for name, text in (files or {}).items():
            path = os.path.join(self.dir, name)
            with open(path, 'w') as f:
                f.write(text)
            os.chmod(path, 0o600)
        args = [a.replace('@DIR', self.dir) for a in args]
        env = dict(os.environ, SECTUN_FAKE_DIR=self.dir,
                   ASAN_OPTIONS='detect_leaks=1')
        p = subprocess.run([FAKE] + args, input=stdin, capture_output=True,
                           text=True, env=env, timeout=30)
        self.rc, self.out, self.err = p.returncode, p.stdout, p.stderr
        self.args = args
        self.requests = []
        n = 1
        while os.path.exists(os.path.join(self.dir, f'req.{n}')):
            with open(os.path.join(self.dir, f'req.{n}'), 'rb') as f:
                self.requests.append(f.read())
            n += 1
        shutil.rmtree(self.dir)

    def ok(self, rc=0):
        if self.rc != rc:
            raise Fail(f'sectun {" ".join(self.args)}: exit {self.rc}, '
                       f'want {rc}; stderr: {self.err.strip()!r}')
        return self

    def usage_error(self, pattern):
        self.ok(2)
        check(re.search(pattern, self.err),
              f'stderr {self.err.strip()!r} does not match {pattern!r}')
        eq(len(self.requests), 0, 'requests sent after a usage error')
        return self


def rtnl_data(req):
    """IFLA_INFO_DATA of an RTM_NEWLINK request, and its ifindex."""
    mtype, = struct.unpack_from('H', req, 4)
    eq(mtype, RTM_NEWLINK, 'request type')
    ifindex, = struct.unpack_from('i', req, 16 + 4)
    top = parse_attrs(req[32:])
    info = parse_attrs(top[IFLA_LINKINFO])
    eq(info[IFLA_INFO_KIND], b'sectun\0', 'IFLA_INFO_KIND')
    return ifindex, parse_attrs(info.get(IFLA_INFO_DATA, b''))


def genl_req(req):
    mtype, = struct.unpack_from('H', req, 4)
    eq(mtype, FAMILY, 'request family')
    return req[16], parse_attrs(req[20:])


# ------------------------------------------------------------ cases

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


NATT_ACK = {2: link_reply(old_settings() + natt_settings())}


@case
def set_natt_one_request():
    """set: every new keyword with old ones, in one RTM_NEWLINK"""
    r = Run(['set', 'lo', 'ttl', '9', 'encap', 'udp', 'sport', '4501',
             'dport', '0x1194', 'keepalive', '20', 'float', 'off',
             'df', 'set'], replies=NATT_ACK).ok()
    eq(len(r.requests), 2, 'requests (the change, then the read-back)')
    ifindex, data = rtnl_data(r.requests[0])
    eq(ifindex, socket.if_nametoindex('lo'), 'ifindex')
    eq(data, {H['IFLA_SECTUN_TTL']: b'\x09',
              H['IFLA_SECTUN_DF']: bytes([H['SECTUN_DF_SET']]),
              H['IFLA_SECTUN_ENCAP']: bytes([H['SECTUN_ENCAP_UDP']]),
              H['IFLA_SECTUN_ENCAP_SPORT']: struct.pack('H', 4501),
              H['IFLA_SECTUN_ENCAP_DPORT']: struct.pack('H', 4500),
              H['IFLA_SECTUN_KEEPALIVE']: struct.pack('H', 20),
              H['IFLA_SECTUN_FLOAT']: b'\x00'}, 'IFLA_INFO_DATA')
    eq(r.err, '', 'stderr')


@case
def set_encap_none():
    """set: encap none, keepalive 0, float on"""
    r = Run(['set', 'lo', 'encap', 'none', 'keepalive', '0', 'float', 'on'],
            replies=NATT_ACK).ok()
    _, data = rtnl_data(r.requests[0])
    eq(data, {H['IFLA_SECTUN_ENCAP']: bytes([H['SECTUN_ENCAP_NONE']]),
              H['IFLA_SECTUN_KEEPALIVE']: struct.pack('H', 0),
              H['IFLA_SECTUN_FLOAT']: b'\x01'}, 'IFLA_INFO_DATA')


@case
def set_ports_alone():
    """set: sport and dport without encap, and the port limits"""
    r = Run(['set', 'lo', 'sport', '1', 'dport', '65535'],
            replies=NATT_ACK).ok()
    _, data = rtnl_data(r.requests[0])
    eq(data, {H['IFLA_SECTUN_ENCAP_SPORT']: struct.pack('H', 1),
              H['IFLA_SECTUN_ENCAP_DPORT']: struct.pack('H', 65535)},
       'IFLA_INFO_DATA')


@case
def set_old_settings_unchanged():
    """set: without the new keywords, one request as before"""
    r = Run(['set', 'lo', 'remote', '198.51.100.7', 'dscp', '10']).ok()
    eq(len(r.requests), 1, 'requests')
    _, data = rtnl_data(r.requests[0])
    eq(sorted(data), [H['IFLA_SECTUN_REMOTE'], H['IFLA_SECTUN_DSCP']],
       'attributes')


@case
def set_bad_values():
    """set: malformed values are usage errors, nothing is sent"""
    bad = [
        (['sport', '0'], r'sport must be a UDP port 1\.\.65535, not "0"'),
        (['sport', '65536'], r'sport must be a UDP port 1\.\.65535'),
        (['dport', '-1'], r'dport must be a UDP port 1\.\.65535, not "-1"'),
        (['dport', '45OO'], r'dport must be a UDP port'),
        (['sport', ''], r'sport must be a UDP port'),
        (['keepalive', '65536'],
         r'keepalive must be 0\.\.65535 seconds \(0 = off\), not "65536"'),
        (['keepalive', 'off'], r'keepalive must be 0\.\.65535 seconds'),
        (['keepalive', '1.5'], r'keepalive must be'),
        (['float', 'yes'], r'float must be on or off, not "yes"'),
        (['encap', 'tcp'], r'encap must be udp or none, not "tcp"'),
        (['encap', 'UDP'], r'encap must be udp or none'),
        (['encap'], r'encap needs a value'),
        (['sport'], r'sport needs a value'),
        (['encap', 'udp', 'encap', 'none'], r'encap given twice'),
        (['sport', '1', 'sport', '2'], r'sport given twice'),
        (['encap', 'none', 'sport', '4500'],
         r'sport needs encap udp, not encap none'),
        (['dport', '4500', 'encap', 'none'],
         r'dport needs encap udp, not encap none'),
        (['encap', 'udp', 'floating', 'on'], r'unknown keyword "floating"'),
    ]
    for words, pattern in bad:
        # A device that does not exist: usage errors come first.
        r = Run(['set', 'nosuch0'] + words)
        r.usage_error(r'^sectun: set: ' + pattern)
        check('usage: sectun set DEV' in r.err, 'no synopsis after ' +
              ' '.join(words))


@case
def set_extack_printed():
    """set: the kernel's extack message, then errno, as for other settings"""
    r = Run(['set', 'lo', 'encap', 'udp'],
            errors={1: '22 encap udp is refused: the device has AH SAs'})
    r.ok(1)
    eq(r.err, 'sectun: set: encap udp is refused: the device has AH SAs '
       '(Invalid argument)\n', 'stderr')
    r = Run(['set', 'lo', 'sport', '500'], errors={1: '98'}).ok(1)
    eq(r.err, 'sectun: set: Address already in use\n', 'stderr')
    eq(len(r.requests), 1, 'requests after a refusal')


@case
def set_old_module():
    """set: a module that ignores NAT traversal attributes is reported"""
    r = Run(['set', 'lo', 'encap', 'udp', 'ttl', '5'],
            replies={2: link_reply(old_settings())}).ok(1)
    check('does not support encap, sport, dport, keepalive or float'
          in r.err, 'stderr: ' + r.err)
    eq(len(r.requests), 2, 'requests')


@case
def set_help():
    """--help shows the new keywords"""
    r = Run(['--help']).ok()
    for w in ('[encap udp|none]', '[sport PORT]', '[dport PORT]',
              '[keepalive SECONDS]', '[float on|off]', '[align4]'):
        check(w in r.out, f'{w} not in --help')


def key_file(hexkey):
    return {'k': hexkey + '\n'}


@case
def sa_add_align4():
    """sa add: ah ALG align4 sends SECTUN_SA_A_ALIGN4=1"""
    r = Run(['sa', 'add', 'st0', 'out', 'spi', '0x1001', 'ah', 'sha256',
             'align4', 'key', '@@DIR/k'], files=key_file(KEY_SHA256)).ok()
    eq(len(r.requests), 1, 'requests')
    cmd, top = genl_req(r.requests[0])
    eq(cmd, H['SECTUN_CMD_SA_NEW'], 'command')
    sa = parse_attrs(top[H['SECTUN_A_SA']])
    eq(sa.get(H['SECTUN_SA_A_ALIGN4']), b'\x01', 'align4')
    eq(sa[H['SECTUN_SA_A_PROTO']], bytes([IPPROTO_AH]), 'proto')
    eq(sa[H['SECTUN_SA_A_ALG']], b'sha256\0', 'alg')
    r = Run(['sa', 'add', 'st0', 'in', 'spi', '0x1001', 'ah', 'sha256',
             'key', '@@DIR/k'], files=key_file(KEY_SHA256)).ok()
    sa = parse_attrs(genl_req(r.requests[0])[1][H['SECTUN_A_SA']])
    check(H['SECTUN_SA_A_ALIGN4'] not in sa, 'align4 sent without align4')


@case
def sa_add_align4_refused():
    """sa add: align4 with esp, twice, or in sa del is a usage error"""
    r = Run(['sa', 'add', 'st0', 'out', 'spi', '0x1001', 'esp',
             'aes128gcm16', 'key', '@@DIR/k', 'align4'],
            files=key_file(KEY_GCM128))
    r.usage_error(r'^sectun: sa add: align4 applies to AH SAs only, '
                  r'not to esp\n')
    r = Run(['sa', 'add', 'st0', 'out', 'spi', '0x1001', 'ah', 'sha1',
             'align4', 'align4', 'key', '@@DIR/k'])
    r.usage_error(r'align4 given twice')
    r = Run(['sa', 'del', 'st0', 'out', 'spi', '0x1001', 'align4'])
    r.usage_error(r'unknown keyword "align4"')


@case
def sa_add_align4_extack():
    """sa add: the kernel's refusal of an AH SA is printed"""
    r = Run(['sa', 'add', 'st0', 'out', 'spi', '0x1001', 'ah', 'sha256',
             'align4', 'key', '@@DIR/k'], files=key_file(KEY_SHA256),
            errors={1: '95 AH cannot be UDP-encapsulated'}).ok(1)
    eq(r.err, 'sectun: sa add: AH cannot be UDP-encapsulated '
       '(Operation not supported)\n', 'stderr')


NEW_DEV = dev_reply(settings=old_settings() + natt_settings(),
                    dev=[u32(H['SECTUN_DEV_A_ACTIVE_SPI'], 0x1001),
                         u32(H['SECTUN_DEV_A_SA_COUNT'], 1),
                         addr(H['SECTUN_DEV_A_ENDPOINT'], '198.51.100.9'),
                         u16(H['SECTUN_DEV_A_ENDPOINT_PORT'], 61234),
                         dev_stats()])
OLD_DEV = dev_reply(settings=old_settings(),
                    dev=[u32(H['SECTUN_DEV_A_ACTIVE_SPI'], 0x1001),
                         u32(H['SECTUN_DEV_A_SA_COUNT'], 1)])
AH_SA = sa_reply(align4=1)
ESP_SA = sa_reply(direction='in', spi=0x2002, proto=IPPROTO_ESP,
                  alg='aes128gcm16', active=False)


@case
def show_natt_text():
    """show: NAT-T settings, endpoint apart from remote, counters"""
    r = Run(['show', 'st0'], replies={1: NEW_DEV, 2: AH_SA + ESP_SA}).ok()
    want = ('  df: copy\n'
            '  encap: udp, sport 4500, dport 4500\n'
            '  keepalive: 20 seconds\n'
            '  float: on\n'
            '  endpoint: 198.51.100.9 port 61234\n'
            '  counters: keepalive tx 5, keepalive rx 3, non-esp 2, '
            'floats 1\n'
            '  active outbound sa: spi 0x1001\n')
    check(want in r.out, 'device lines:\n' + r.out)
    check('  remote: 198.51.100.7\n' in r.out, 'remote line:\n' + r.out)
    cmd, top = genl_req(r.requests[0])
    eq(cmd, H['SECTUN_CMD_DEV_GET'], 'first request')
    # The AH SA says align4, the ESP one (no attribute) says nothing.
    check('    algorithm: sha256\n    align4: on\n' in r.out,
          'AH SA lines:\n' + r.out)
    eq(r.out.count('align4'), 1, 'align4 lines')


@case
def show_natt_variants():
    """show: encap none hides ports; no remote; IPv6; keepalive off"""
    d = dev_reply(settings=[addr(H['IFLA_SECTUN_LOCAL'], '192.0.2.1')] +
                  natt_settings(encap=0, keepalive=0, floating=0),
                  dev=[u16(H['SECTUN_DEV_A_ENDPOINT_PORT'], 4500)])
    r = Run(['show', 'st0'], replies={1: d}).ok()
    check('  encap: none\n  keepalive: off\n  float: off\n'
          '  endpoint: (none)\n' in r.out, r.out)
    check('sport' not in r.out and 'port 4500' not in r.out,
          'ports shown with encap none:\n' + r.out)
    check('counters' not in r.out, 'counters not sent, shown:\n' + r.out)
    d = dev_reply(settings=[addr(H['IFLA_SECTUN_REMOTE'], '2001:db8::7')] +
                  natt_settings(sport=4501, dport=1),
                  dev=[addr(H['SECTUN_DEV_A_ENDPOINT'], '2001:db8::9'),
                       u16(H['SECTUN_DEV_A_ENDPOINT_PORT'], 1)])
    r = Run(['show', 'st0'], replies={1: d}).ok()
    check('  encap: udp, sport 4501, dport 1\n' in r.out, r.out)
    check('  endpoint: 2001:db8::9 port 1\n' in r.out, r.out)


@case
def show_old_module_text():
    """show: an older module's reply prints exactly as before"""
    r = Run(['show', 'st0'], replies={1: OLD_DEV, 2: ESP_SA}).ok()
    lines = [ln for ln in r.out.splitlines() if ln.startswith('  ') and
             not ln.startswith('    ')]
    eq([ln.split(':')[0].strip() for ln in lines],
       ['local', 'remote', 'underlay', 'ttl', 'dscp', 'df',
        'active outbound sa', 'sa'], 'device lines')


@case
def show_json():
    """show -j: the new members, and none of them from an older module"""
    r = Run(['-j', 'show'], replies={1: NEW_DEV + OLD_DEV,
                                     2: AH_SA + ESP_SA, 3: ESP_SA}).ok()
    new, old = json.loads(r.out)
    for k, v in {'encap': 'udp', 'sport': 4500, 'dport': 4500,
                 'keepalive': 20, 'float': True, 'endpoint': '198.51.100.9',
                 'endpoint_port': 61234, 'remote': '198.51.100.7',
                 'keepalive_tx': 5, 'keepalive_rx': 3, 'non_esp': 2,
                 'floats': 1}.items():
        eq(new.get(k), v, f'new["{k}"]')
    eq(new['sas'][0]['align4'], True, 'AH SA align4')
    check('align4' not in new['sas'][1], 'align4 invented for ESP')
    for k in ('encap', 'sport', 'dport', 'keepalive', 'float', 'endpoint',
              'endpoint_port', 'keepalive_tx', 'keepalive_rx', 'non_esp',
              'floats'):
        check(k not in old, f'{k} in an older module\'s device')
    d = dev_reply(settings=natt_settings(encap=0))
    dev = json.loads(Run(['-j', 'show', 'st0'], replies={1: d}).ok().out)[0]
    eq(dev['endpoint'], None, 'endpoint without remote')
    eq((dev['encap'], dev['sport']), ('none', 4500), 'encap none')


@case
def sa_list_align4():
    """sa list: align4 at the end of the line, and in JSON"""
    r = Run(['sa', 'list', 'st0'], replies={1: NEW_DEV,
                                            2: AH_SA + ESP_SA}).ok()
    eq(r.out, 'st0 out ah spi 0x1001 sha256 esn off window 64 seq 1 active '
       'align4\nst0 in esp spi 0x2002 aes128gcm16 esn off window 64 seq 1\n',
       'sa list')
    r = Run(['-j', 'sa', 'list'], replies={1: NEW_DEV,
                                           2: sa_reply(align4=0)}).ok()
    eq(json.loads(r.out)[0]['align4'], False, 'align4 0')
    r = Run(['sa', 'list'], replies={1: NEW_DEV,
                                     2: sa_reply(align4=0)}).ok()
    check('align4' not in r.out, r.out)


def endpoint_event(address, port=None, name='st0'):
    dev = [addr(H['SECTUN_DEV_A_ENDPOINT'], address)]
    if port is not None:
        dev.append(u16(H['SECTUN_DEV_A_ENDPOINT_PORT'], port))
    return genl(H['SECTUN_CMD_ENDPOINT_CHANGED'],
                u32(H['SECTUN_A_IFINDEX'], 7),
                strz(H['SECTUN_A_IFNAME'], name),
                nest(H['SECTUN_A_DEV'], *dev))


@case
def monitor_endpoint_changed():
    """monitor: endpoint-changed beside SA events, text and JSON"""
    events = (sa_reply(cmd=H['SECTUN_CMD_SA_NEW'], align4=1) +
              endpoint_event('198.51.100.9', 61234) +
              endpoint_event('2001:db8::9', name='st1'))
    r = Run(['monitor'], events=events).ok()
    eq(r.out, 'sa add st0 out ah spi 0x1001 sha256 esn off window 64 seq 1 '
       'active align4\n'
       'endpoint-changed st0 endpoint 198.51.100.9 port 61234\n'
       'endpoint-changed st1 endpoint 2001:db8::9\n', 'monitor')
    r = Run(['-j', 'monitor'], events=events).ok()
    objs = [json.loads(ln) for ln in r.out.splitlines()]
    eq(objs[1], {'event': 'endpoint-changed', 'dev': 'st0', 'ifindex': 7,
                 'endpoint': '198.51.100.9', 'endpoint_port': 61234},
       'JSON event')
    eq(objs[2].get('endpoint_port', 'absent'), 'absent', 'port invented')
    eq(objs[0]['align4'], True, 'SA event align4')


@case
def sectun_nl_decodes():
    """selftests/sectun_nl.py reads the new attributes too"""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'sectun_nl', os.path.join(TOP, 'selftests', 'sectun_nl.py'))
    nl = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(nl)
    dev = nl.decode_dev(nl.parse_attrs(NEW_DEV[20:]))
    eq(dev['settings'], {'local': '192.0.2.1', 'remote': '198.51.100.7',
                         'link': 0, 'ttl': 64, 'dscp': 255, 'df': 0,
                         'encap': 1, 'encap_sport': 4500,
                         'encap_dport': 4500, 'keepalive': 20, 'float': 1},
       'settings')
    eq((dev['endpoint'], dev['endpoint_port']), ('198.51.100.9', 61234),
       'endpoint')
    eq(dev['stats'], {'keepalive_tx': 5, 'keepalive_rx': 3, 'non_esp': 2,
                      'floats': 1}, 'stats')
    ev = nl.decode_dev(nl.parse_attrs(
        endpoint_event('2001:db8::9', 4500)[20:]))
    eq((ev['ifname'], ev['endpoint'], ev['endpoint_port']),
       ('st0', '2001:db8::9', 4500), 'endpoint-changed')
    eq(nl.decode_sa(nl.parse_attrs(AH_SA[20:]))['align4'], 1, 'align4')
    req = nl.sa_payload(type('A', (), {'ifname': 'st0', 'dir': 2,
                                       'align4': 1})())
    sa = parse_attrs(parse_attrs(req)[H['SECTUN_A_SA']])
    eq(sa[H['SECTUN_SA_A_ALIGN4']], b'\x01', 'align4 request')
    check(sorted(nl.IFLA_SECTUN) == list(range(1, H['__IFLA_SECTUN_MAX'])),
          'IFLA_SECTUN names every link attribute of the header')
    check(max(nl.SA_ATTRS) == H['__SECTUN_SA_A_MAX'] - 1, 'SA_ATTRS is complete')


# ------------------------------------------------------------ the plugin

def plugin(*args, stdin=None):
    p = subprocess.run([PLUGIN_HOST, PLUGIN] + list(args), input=stdin,
                       capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout, p.stderr


@case
def plugin_parse():
    """ip link … type sectun: the new keywords become the same attributes"""
    rc, out, err = plugin('parse', 'remote', '198.51.100.7', 'encap', 'udp',
                          'sport', '4501', 'dport', '4500', 'keepalive',
                          '25', 'float', 'off')
    eq((rc, err), (0, ''), 'parse')
    got = dict(ln.split() for ln in out.splitlines())
    eq(got, {str(H['IFLA_SECTUN_REMOTE']): 'c6336407',
             str(H['IFLA_SECTUN_ENCAP']): '01',
             str(H['IFLA_SECTUN_ENCAP_SPORT']): struct.pack('H', 4501).hex(),
             str(H['IFLA_SECTUN_ENCAP_DPORT']): struct.pack('H', 4500).hex(),
             str(H['IFLA_SECTUN_KEEPALIVE']): struct.pack('H', 25).hex(),
             str(H['IFLA_SECTUN_FLOAT']): '00'}, 'attributes')
    for words, msg in ((['sport', '0'], 'sport must be a UDP port'),
                       (['keepalive', 'x'], 'keepalive must be 0..65535'),
                       (['float', '1'], 'float must be on or off'),
                       (['encap', 'none', 'dport', '9'],
                        'dport needs encap udp')):
        rc, out, err = plugin('parse', *words)
        eq(rc, 1, 'exit after ' + ' '.join(words))
        check(err.startswith('sectun: ' + msg), 'stderr: ' + err)
    rc, out, err = plugin('parse', 'help')
    check('[encap udp|none] [sport PORT] [dport PORT]' in out and
          '[keepalive SECONDS] [float on|off]' in out, 'help: ' + out)


@case
def plugin_print():
    """ip -d link show: the new settings, typed back as they were parsed"""
    words = ['encap', 'udp', 'sport', '4501', 'dport', '4500', 'keepalive',
             '25', 'float', 'on']
    _, attrs, _ = plugin('parse', 'local', '192.0.2.1', *words)
    rc, out, err = plugin('print', stdin=attrs)
    eq((rc, err), (0, ''), 'print')
    check(out.strip().endswith(' '.join(words)), 'text: ' + out)
    rc, out, err = plugin('print', 'json', stdin=attrs)
    got = dict(ln.split('=', 1) for ln in out.splitlines())
    for k, v in {'encap': '"udp"', 'sport': '4501', 'dport': '4500',
                 'keepalive': '25', 'float': '"on"'}.items():
        eq(got.get(k), v, f'JSON {k}')
    # encap none: no ports, so that the line parses back.
    _, attrs, _ = plugin('parse', 'encap', 'none', 'keepalive', '0')
    attrs += f'{H["IFLA_SECTUN_ENCAP_SPORT"]} 9411\n'
    rc, out, err = plugin('print', stdin=attrs)
    eq(out.strip(), 'local any remote any encap none keepalive 0', 'text')
    # An older module: nothing new printed.
    _, attrs, _ = plugin('parse', 'ttl', '3')
    rc, out, err = plugin('print', stdin=attrs)
    eq(out.strip(), 'local any remote any ttl 3', 'older module')


# ------------------------------------------------------------ completion

def complete(*words):
    script = f'''
source {COMPLETION}
_sectun_devs() {{ echo st0; }}
COMP_WORDS=(sectun "$@")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
_sectun 2>/dev/null
echo "${{COMPREPLY[*]}}"
'''
    p = subprocess.run(['bash', '-c', script, 'bash'] + list(words),
                       capture_output=True, text=True, timeout=30)
    return p.stdout.split()


@case
def completion():
    """bash completion: the new set keywords and values, align4 for ah"""
    eq(complete('set', 'st0', 'encap', ''), ['udp', 'none'], 'encap')
    eq(complete('set', 'st0', 'float', ''), ['on', 'off'], 'float')
    eq(complete('set', 'st0', 'encap', 'udp', 'sp'), ['sport'], 'sport')
    eq(complete('set', 'st0', 'k'), ['keepalive'], 'keepalive')
    check('align4' in complete('sa', 'add', 'st0', 'out', 'ah', 'sha1', ''),
          'align4 after ah')
    check('align4' not in complete('sa', 'add', 'st0', 'out', 'esp',
                                   'aes128gcm16', ''), 'align4 after esp')


# ------------------------------------------------------------ main

def main():
    build = subprocess.run(['make', '-s', '-C', TOOLS, 'tests'],
                           capture_output=True, text=True)
    print('TAP version 13')
    if build.returncode:
        print('1..1')
        for ln in (build.stdout + build.stderr).splitlines():
            print('# ' + ln)
        print('not ok 1 build the tool\'s test binaries')
        return 1
    print(f'1..{len(CASES)}')
    failed = 0
    for i, fn in enumerate(CASES, 1):
        name = fn.__doc__.split('\n')[0].strip()
        try:
            fn()
            print(f'ok {i} {name}')
        except Fail as e:
            failed += 1
            for ln in str(e).splitlines():
                print('# ' + ln)
            print(f'not ok {i} {name}')
        except Exception:
            failed += 1
            for ln in traceback.format_exc().splitlines():
                print('# ' + ln)
            print(f'not ok {i} {name}')
    print(f'# {len(CASES) - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
