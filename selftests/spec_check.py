#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check that the YNL spec, the uAPI header and the kernel's policies agree.

Documentation/netlink/specs/sectun.yaml describes the ABI that
uapi/linux/sectun.h defines and module/{netlink,device}.c implement; three
copies of one contract drift apart unless something compares them:

  - the spec validates against the kernel's schema for its protocol
    (Documentation/netlink/<protocol>.yaml);
  - every constant, enum, attribute set, command and multicast group of the
    spec has the same C name and value, in the same order, in the header,
    and the header has nothing the spec does not describe;
  - every nla_policy table of the module agrees with the attribute set it
    validates: attribute types, min/max/length limits, nested sets, and
    which attributes are read-only (NLA_REJECT);
  - the genl ops, family policy, multicast groups and notifications of
    module/netlink.c agree with the spec's operations.

Host-side, python3 with PyYAML and jsonschema; prints KTAP, exits 1 if a
check failed.  Paths are relative to this file: run it from anywhere.
"""

import ast
import os
import re
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = os.path.join(TOP, 'Documentation/netlink/specs/sectun.yaml')
HEADER = os.path.join(TOP, 'uapi/linux/sectun.h')
MODULE_SOURCES = [os.path.join(TOP, 'module', f)
                  for f in ('netlink.c', 'device.c')]
MODULE_DIR = os.path.join(TOP, 'module')

# Kernel constants the module's policies may use besides the header's.
KERNEL_CONSTANTS = {
    'IFNAMSIZ': 16,
    'ETH_ALEN': 6,
    'sizeof(struct in_addr)': 4,
    'sizeof(struct in6_addr)': 16,
    'sizeof(__be32)': 4,
    'sizeof(u32)': 4,
    'sizeof(u64)': 8,
}

# nla_policy type -> spec type
NLA_TYPES = {
    'NLA_U8': 'u8', 'NLA_U16': 'u16', 'NLA_U32': 'u32', 'NLA_U64': 'u64',
    'NLA_S8': 's8', 'NLA_S16': 's16', 'NLA_S32': 's32', 'NLA_S64': 's64',
    'NLA_UINT': 'uint', 'NLA_SINT': 'sint', 'NLA_FLAG': 'flag',
    'NLA_NUL_STRING': 'string', 'NLA_STRING': 'string',
    'NLA_BINARY': 'binary', 'NLA_NESTED': 'nest',
    'NLA_NESTED_ARRAY': 'indexed-array', 'NLA_BITFIELD32': 'bitfield32',
}

GENL_FLAGS = {'GENL_ADMIN_PERM': 'admin-perm',
              'GENL_UNS_ADMIN_PERM': 'uns-admin-perm'}


class CheckError(Exception):
    """A file cannot be read or parsed: every check depending on it fails."""


def c_upper(name):
    return name.upper().replace('-', '_')


def rel(path):
    return os.path.relpath(path, TOP)


def read(path):
    try:
        with open(path, encoding='utf-8') as f:
            return f.read()
    except OSError as e:
        raise CheckError(f'cannot read {rel(path)}: {e.strerror}')


def strip_comments(text):
    # Keep newlines so that nothing else shifts; strings have no comments.
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'),
                  text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)


def eval_c(expr, names, what):
    """Value of a C integer constant expression over known names."""
    expr = expr.strip()
    for k in sorted(KERNEL_CONSTANTS, key=len, reverse=True):
        if k.startswith('sizeof'):
            expr = re.sub(re.escape(k).replace(r'\ ', r'\s*'),
                          str(KERNEL_CONSTANTS[k]), expr)
    expr = re.sub(r'\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b', r'\1', expr)

    def name(m):
        n = m.group(0)
        if n in names:
            v = names[n]
        elif n in KERNEL_CONSTANTS:
            v = KERNEL_CONSTANTS[n]
        else:
            raise CheckError(f'{what}: unknown name {n} in "{expr}"')
        if not isinstance(v, int):
            raise CheckError(f'{what}: {n} is not an integer')
        return str(v)

    # C integer division truncates; these operands are never negative.
    py = re.sub(r'\b[A-Za-z_]\w*\b', name, expr).replace('/', '//')
    try:
        tree = ast.parse(py, mode='eval')
    except SyntaxError:
        raise CheckError(f'{what}: cannot evaluate "{expr}"')
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant,
               ast.Add, ast.Sub, ast.Mult, ast.FloorDiv, ast.LShift,
               ast.RShift, ast.BitOr, ast.BitAnd, ast.USub, ast.UAdd,
               ast.Invert)
    for node in ast.walk(tree):
        if not isinstance(node, allowed):
            raise CheckError(f'{what}: cannot evaluate "{expr}"')
    return eval(compile(tree, what, 'eval'))  # only arithmetic on ints


# ---- the header ----

class Header:
    """#defines and enums of a uAPI header, in order."""

    def __init__(self, path):
        text = strip_comments(read(path))
        self.defines = {}	# name -> int or str
        self.define_exprs = {}	# name -> raw text
        self.enums = []		# [tag or None, [(name, value)]]
        self.values = {}	# every integer name -> value

        pending = []
        for m in re.finditer(r'^[ \t]*#[ \t]*define[ \t]+(\w+)[ \t]+(.+?)[ \t]*$',
                             text, re.M):
            pending.append((m.start(), 'define', m.group(1), m.group(2)))
        for m in re.finditer(r'\benum\s+(\w+\s*)?\{(.*?)\}\s*;', text, re.S):
            pending.append((m.start(), 'enum',
                            m.group(1).strip() if m.group(1) else None,
                            m.group(2)))
        # In file order, so that an expression only uses what precedes it.
        for _, kind, name, body in sorted(pending, key=lambda p: p[0]):
            if kind == 'define':
                self._define(name, body)
            else:
                self._enum(name, body)

    def _define(self, name, body):
        self.define_exprs[name] = body
        m = re.fullmatch(r'"((?:[^"\\]|\\.)*)"', body)
        if m:
            self.defines[name] = m.group(1)
            return
        v = eval_c(body, self.values, f'{rel(HEADER)}: #define {name}')
        self.defines[name] = v
        self.values[name] = v

    def _enum(self, tag, body):
        entries = []
        nxt = 0
        for item in body.split(','):
            item = item.strip()
            if not item:
                continue
            m = re.fullmatch(r'(\w+)\s*(?:=\s*(.+))?', item, re.S)
            if not m:
                raise CheckError(f'{rel(HEADER)}: cannot parse enum entry "{item}"')
            name, expr = m.group(1), m.group(2)
            if expr is not None:
                nxt = eval_c(expr, self.values, f'{rel(HEADER)}: {name}')
            entries.append((name, nxt))
            self.values[name] = nxt
            nxt += 1
        self.enums.append([tag, entries])

    def enum_of(self, cname):
        for e in self.enums:
            if any(n == cname for n, _ in e[1]):
                return e
        return None


# ---- the spec ----

def load_yaml(path):
    import yaml
    try:
        with open(path, encoding='utf-8') as f:
            return yaml.safe_load(f)
    except OSError as e:
        raise CheckError(f'cannot read {rel(path)}: {e.strerror}')
    except yaml.YAMLError as e:
        raise CheckError(f'{rel(path)}: {e}')


class Spec:
    """The parts of a genetlink spec the checks need, with C names."""

    def __init__(self, y):
        self.y = y
        self.name = y['name']
        self.consts = {}	# spec const name -> value
        self.enums = {}		# spec enum name -> dict
        for d in y.get('definitions', []):
            if d['type'] == 'const':
                self.consts[d['name']] = d['value']
            elif d['type'] in ('enum', 'flags'):
                pfx = d.get('name-prefix', f"{self.name}-{d['name']}-")
                val = d.get('value-start', 0)
                entries = []
                for e in d.get('entries', []):
                    if isinstance(e, dict):
                        ename = e['name']
                        val = e.get('value', val)
                    else:
                        ename = e
                    v = (1 << val) if d['type'] == 'flags' else val
                    entries.append((ename, c_upper(pfx + ename), v))
                    val += 1
                self.enums[d['name']] = {'yaml': d, 'prefix': pfx,
                                         'entries': entries}
        self.sets = {}
        for s in y.get('attribute-sets', []):
            if 'subset-of' in s:
                continue
            if 'name-prefix' in s:
                pfx = s['name-prefix']
            elif s['name'] == self.name:
                pfx = f'{self.name}-a-'
            else:
                pfx = f"{self.name}-a-{s['name']}-"
            attrs = []
            val = 1
            for a in s['attributes']:
                val = a.get('value', val)
                cname = c_upper(a.get('name-prefix', pfx) + a['name'])
                attrs.append(dict(a, cname=cname, value=val))
                val += 1
            self.sets[s['name']] = {
                'yaml': s, 'prefix': c_upper(pfx), 'attrs': attrs,
                'by_cname': {a['cname']: a for a in attrs},
                'max': c_upper(s.get('attr-max-name', pfx + 'max')),
                'cnt': c_upper(s.get('attr-cnt-name', '__' + pfx + 'max')),
            }
        ops = y['operations']
        self.op_prefix = ops.get('name-prefix', f'{self.name}-cmd-')
        self.ops = []
        val = 1
        for o in ops['list']:
            val = o.get('value', val)
            is_async = 'notify' in o or 'event' in o
            pfx = ops.get('async-prefix', self.op_prefix) if is_async \
                else self.op_prefix
            self.ops.append(dict(o, cname=c_upper(pfx + o['name']),
                                 value=val, is_async=is_async))
            val += 1

    def limit(self, v, what):
        """A checks value: an integer, a const name or u8-max & co."""
        if isinstance(v, int):
            return v
        if v in self.consts and isinstance(self.consts[v], int):
            return self.consts[v]
        m = re.fullmatch(r'([us])(8|16|32|64)-(min|max)', v)
        if m:
            width = int(m.group(2)) - (m.group(1) == 's')
            if m.group(1) == 'u':
                return 0 if m.group(3) == 'min' else (1 << width) - 1
            return -(1 << width) if m.group(3) == 'min' else (1 << width) - 1
        raise CheckError(f'{what}: cannot resolve limit "{v}"')

    def read_only(self, set_name, attr):
        doc = attr.get('doc', '') + ' ' + self.sets[set_name]['yaml'].get('doc', '')
        return 'read-only' in doc.lower()

    def request_attrs(self, set_name):
        """Attributes of set_name in the request of any do/dump."""
        used = set()
        for o in self.ops:
            if o.get('attribute-set') != set_name:
                continue
            for mode in ('do', 'dump'):
                used.update(o.get(mode, {}).get('request', {})
                            .get('attributes', []))
        return used


# ---- the checks: each returns a list of problems ----

def check_schema(spec_yaml):
    import jsonschema
    proto = spec_yaml.get('protocol', 'genetlink')
    schema_path = os.path.join(TOP, 'Documentation/netlink', proto + '.yaml')
    schema = load_yaml(schema_path)
    validator = jsonschema.Draft7Validator(schema)
    errs = []
    for e in sorted(validator.iter_errors(spec_yaml), key=lambda e: list(e.path)):
        where = '/'.join(str(p) for p in e.absolute_path) or '(top)'
        errs.append(f'{rel(SPEC)}: {where}: {e.message[:300]}')
    return errs


def enum_tag(y, default):
    """The C enum tag ynl-gen-c gives a definition, set or command list."""
    if 'enum-name' in y:
        return y['enum-name'].lower().replace('-', '_') if y['enum-name'] else None
    return default.lower().replace('-', '_') if default else None


def compare_enum(errs, what, hdr, tag, expected, cnt=None, max_name=None,
                 max_in_enum_ok=True):
    """expected: [(cname, value)] in order; cnt: the __X_MAX count name."""
    if not expected:
        errs.append(f'{what}: no entries in the spec')
        return set()
    first = expected[0][0]
    enum = hdr.enum_of(first)
    if enum is None:
        errs.append(f'{what}: {first} (= {expected[0][1]}) is not in the header')
        return set()
    htag, entries = enum
    if htag != tag:
        errs.append(f'{what}: header enum is {"enum " + htag if htag else "anonymous"}, '
                    f'spec says {"enum " + tag if tag else "anonymous"}')
    want = list(expected)
    if cnt:
        want.append((cnt, expected[-1][1] + 1))
    got = list(entries)
    # A max rendered inside the enum (render-max) is part of it.
    if max_name and got and got[-1][0] == max_name and max_in_enum_ok:
        want.append((max_name, expected[-1][1]))
    for i in range(max(len(want), len(got))):
        w = want[i] if i < len(want) else None
        g = got[i] if i < len(got) else None
        if w == g:
            continue
        if w is None:
            errs.append(f'{what}: header has {g[0]} = {g[1]} the spec does not describe')
        elif g is None:
            errs.append(f'{what}: spec has {w[0]} = {w[1]}, missing in the header')
        else:
            errs.append(f'{what}: entry {i}: spec {w[0]} = {w[1]}, header {g[0]} = {g[1]}')
    covered = {n for n, _ in entries}
    if max_name and max_name not in covered:
        if max_name not in hdr.defines:
            errs.append(f'{what}: {max_name} missing in the header')
        elif hdr.defines[max_name] != expected[-1][1]:
            errs.append(f'{what}: {max_name} is {hdr.defines[max_name]} in the header, '
                        f'the spec\'s last entry is {expected[-1][1]}')
        covered.add(max_name)
    return covered


def check_header_family(spec, hdr, covered):
    errs = []
    y = spec.y
    fam = c_upper(y.get('c-family-name', spec.name + '_FAMILY_NAME'))
    ver = c_upper(y.get('c-version-name', spec.name + '_FAMILY_VERSION'))
    for cname, value in ((fam, spec.name), (ver, y.get('version', 1))):
        covered.add(cname)
        if cname not in hdr.defines:
            errs.append(f'{cname} missing in the header (spec: {value!r})')
        elif hdr.defines[cname] != value:
            errs.append(f'{cname}: header {hdr.defines[cname]!r}, spec {value!r}')
    for g in y.get('mcast-groups', {}).get('list', []):
        cname = c_upper(g.get('c-define-name', f"{spec.name}-mcgrp-{g['name']}"))
        covered.add(cname)
        if cname not in hdr.defines:
            errs.append(f'multicast group {g["name"]}: {cname} missing in the header')
        elif hdr.defines[cname] != g['name']:
            errs.append(f'multicast group {g["name"]}: {cname} is '
                        f'{hdr.defines[cname]!r} in the header')
    return errs


def check_header_definitions(spec, hdr, covered):
    errs = []
    for d in spec.y.get('definitions', []):
        if d.get('header') or d.get('scope', 'uapi') != 'uapi':
            continue
        if d['type'] == 'const':
            cname = c_upper(f"{spec.name}-{d['name']}")
            covered.add(cname)
            if cname not in hdr.defines:
                errs.append(f'const {d["name"]}: {cname} missing in the header')
            elif hdr.defines[cname] != d['value']:
                errs.append(f'const {d["name"]}: {cname} is {hdr.defines[cname]!r} '
                            f'in the header, {d["value"]!r} in the spec')
        elif d['type'] in ('enum', 'flags'):
            e = spec.enums[d['name']]
            tag = enum_tag(d, f"{spec.name}_{d['name']}")
            expected = [(c, v) for _, c, v in e['entries']]
            cnt = max_name = None
            if d.get('render-max'):
                if d['type'] == 'flags':
                    max_name = c_upper(e['prefix'] + 'mask')
                else:
                    max_name = c_upper(e['prefix'] + 'max')
                    cnt = '__' + max_name
            covered |= compare_enum(errs, f'enum {d["name"]}', hdr,
                                    tag, expected, cnt, max_name)
        else:
            errs.append(f'definition {d["name"]}: type {d["type"]} not checked')
    return errs


def check_header_sets(spec, hdr, covered):
    errs = []
    by_define = spec.y.get('max-by-define', False)
    for name, s in spec.sets.items():
        y = s['yaml']
        tag = enum_tag(y, None)
        expected = [(a['cname'], a['value']) for a in s['attrs']]
        vals = [v for _, v in expected]
        if vals != sorted(set(vals)):
            errs.append(f'attribute set {name}: values not strictly increasing: {vals}')
        covered |= compare_enum(errs, f'attribute set {name}', hdr, tag,
                                expected, s['cnt'], s['max'], not by_define)
    return errs


def check_header_ops(spec, hdr, covered):
    errs = []
    y = spec.y
    # An event has a command number of its own; a notification reuses one.
    sync = sorted((o for o in spec.ops
                   if not o['is_async'] or 'event' in o),
                  key=lambda o: o['value'])
    tag = enum_tag(y['operations'], None)
    max_name = c_upper(y.get('cmd-max-name', spec.op_prefix + 'max'))
    cnt = c_upper(y.get('cmd-cnt-name', '__' + spec.op_prefix + 'max'))
    covered |= compare_enum(errs, 'commands', hdr, tag,
                            [(o['cname'], o['value']) for o in sync],
                            cnt, max_name, not y.get('max-by-define', False))
    by_value = {o['value']: o for o in sync}
    msgs = {o['name']: o for o in spec.ops}
    groups = {g['name'] for g in y.get('mcast-groups', {}).get('list', [])}
    for o in spec.ops:
        if not o['is_async']:
            continue
        if o.get('mcgrp') not in groups:
            errs.append(f'notification {o["name"]}: mcgrp {o.get("mcgrp")} is no group')
        if 'event' in o:
            continue
        if 'async-prefix' not in y['operations']:
            # Rendered into enum sectun_cmd: it would renumber what follows.
            errs.append(f'notification {o["name"]}: needs operations.async-prefix '
                        'so that generated code keeps the command enum')
        # A legacy notification reuses the command number of its request.
        base = o['name'][:-4] if o['name'].endswith('-ntf') else None
        if base not in msgs or msgs[base]['is_async']:
            errs.append(f'notification {o["name"]}: not named <command>-ntf')
        elif msgs[base]['value'] != o['value']:
            errs.append(f'notification {o["name"]}: value {o["value"]}, but '
                        f'{msgs[base]["cname"]} is {msgs[base]["value"]}')
        if o['value'] not in by_value:
            errs.append(f'notification {o["name"]}: value {o["value"]} is no command')
        if 'notify' in o and o['notify'] not in msgs:
            errs.append(f'notification {o["name"]}: notify: {o["notify"]} is no operation')
    return errs


def check_header_complete(hdr, covered):
    errs = []
    for tag, entries in hdr.enums:
        for n, v in entries:
            if n not in covered:
                errs.append(f'header enum {tag or "(anonymous)"}: {n} = {v} '
                            'is not in the spec')
    for n, v in hdr.defines.items():
        if n not in covered:
            errs.append(f'header #define {n} {hdr.define_exprs[n]} is not in the spec')
    return errs


# ---- the module's C ----

def split_top(body, sep=','):
    """Split at separators outside (), {}, [] and strings."""
    parts, depth, cur, i = [], 0, [], 0
    in_str = False
    while i < len(body):
        c = body[i]
        if in_str:
            cur.append(c)
            if c == '\\':
                cur.append(body[i + 1])
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
            cur.append(c)
        elif c in '({[':
            depth += 1
            cur.append(c)
        elif c in ')}]':
            depth -= 1
            cur.append(c)
        elif c == sep and depth == 0:
            parts.append(''.join(cur).strip())
            cur = []
        else:
            cur.append(c)
        i += 1
    if ''.join(cur).strip():
        parts.append(''.join(cur).strip())
    return parts


def c_array_bodies(text, ctype):
    """{name: (size expr, body)} of `static const struct ctype name[...] = {...};`."""
    out = {}
    for m in re.finditer(r'\bstruct\s+' + ctype + r'\s+(\w+)\s*\[([^\]]*)\]'
                         r'(?:\s+__\w+)*\s*=\s*\{', text):
        start = m.end()
        depth, i = 1, start
        while depth and i < len(text):
            depth += {'{': 1, '}': -1}.get(text[i], 0)
            i += 1
        out[m.group(1)] = (m.group(2).strip(), text[start:i - 1])
    return out


def c_struct_init(text, ctype, name=None):
    """Body of `struct ctype name ... = { ... };` (first match)."""
    pat = r'\bstruct\s+' + ctype + r'\s+' + (name or r'\w+') + \
        r'(?:\s+__\w+)*\s*=\s*\{'
    m = re.search(pat, text)
    if not m:
        return None
    depth, i = 1, m.end()
    while depth and i < len(text):
        depth += {'{': 1, '}': -1}.get(text[i], 0)
        i += 1
    return text[m.end():i - 1]


def designated(body):
    """{field: value} of a `.field = value, ...` initializer."""
    out = {}
    for part in split_top(body):
        m = re.fullmatch(r'\.(\w+)\s*=\s*(.+)', part, re.S)
        if m:
            out[m.group(1)] = ' '.join(m.group(2).split())
    return out


def parse_policy_entry(value, what):
    """A policy value as {type, min, max, max-len, exact-len, nested, strict}."""
    v = ' '.join(value.split())
    m = re.fullmatch(r'NLA_POLICY_(MIN|MAX)\((NLA_\w+), (.+)\)', v)
    if m:
        return {'type': m.group(2), m.group(1).lower(): m.group(3)}
    m = re.fullmatch(r'NLA_POLICY_RANGE\((NLA_\w+), (.+)\)', v)
    if m:
        lo, hi = split_top(m.group(2))
        return {'type': m.group(1), 'min': lo, 'max': hi}
    m = re.fullmatch(r'NLA_POLICY_NESTED\((\w+)\)', v)
    if m:
        return {'type': 'NLA_NESTED', 'nested': m.group(1)}
    m = re.fullmatch(r'NLA_POLICY_EXACT_LEN\((.+)\)', v)
    if m:
        return {'type': 'NLA_BINARY', 'exact-len': m.group(1)}
    m = re.fullmatch(r'NLA_POLICY_MAX_LEN\((.+)\)', v)
    if m:
        return {'type': 'NLA_BINARY', 'max-len': m.group(1)}
    m = re.fullmatch(r'\{(.*)\}', v)
    if m:
        f = designated(m.group(1))
        unknown = set(f) - {'type', 'len', 'nested_policy'}
        if unknown or 'type' not in f:
            raise CheckError(f'{what}: policy entry "{v}" not understood')
        out = {'type': f['type']}
        if 'len' in f:
            out['len'] = f['len']
        if 'nested_policy' in f:
            out['nested'] = f['nested_policy']
        return out
    raise CheckError(f'{what}: policy entry "{v}" not understood')


def module_policies(hdr):
    """{policy name: {'size': n, 'entries': {attr cname: entry}, 'file': f}}."""
    policies = {}
    for path in MODULE_SOURCES:
        text = strip_comments(read(path))
        for name, (size, body) in c_array_bodies(text, 'nla_policy').items():
            what = f'{rel(path)}: {name}'
            entries = {}
            for item in split_top(body):
                m = re.fullmatch(r'\[\s*(\w+)\s*(?:\.\.\.\s*(\w+)\s*)?\]\s*=\s*(.+)',
                                 item, re.S)
                if not m:
                    raise CheckError(f'{what}: cannot parse "{" ".join(item.split())}"')
                lo, hi, value = m.group(1), m.group(2) or m.group(1), m.group(3)
                for n in (lo, hi):
                    if n not in hdr.values:
                        raise CheckError(f'{what}: {n} is not in the header')
                entry = parse_policy_entry(value, f'{what}[{lo}]')
                names = [n for n, v in sorted(hdr.values.items(), key=lambda x: x[1])
                         if hdr.enum_of(n) is hdr.enum_of(lo) and
                         hdr.values[lo] <= v <= hdr.values[hi]]
                for n in names:
                    if n in entries:
                        raise CheckError(f'{what}: {n} initialized twice')
                    entries[n] = entry
            policies[name] = {'size': size, 'entries': entries, 'file': path}
    return policies


def spec_limits(spec, set_name, a):
    """Effective checks of a spec attribute, as ynl-gen-c renders them."""
    what = f'{set_name}.{a["name"]}'
    checks = dict(a.get('checks', {}))
    if 'enum' in a and a['type'] not in ('string', 'binary'):
        vals = [v for _, _, v in spec.enums[a['enum']]['entries']]
        low, high = min(vals), max(vals)
        if 'min' not in checks and (low != 0 or a['type'][0] == 's'):
            checks['min'] = low
        checks.setdefault('max', high)
    out = {}
    for k in ('min', 'max', 'max-len', 'min-len', 'exact-len'):
        if k in checks:
            out[k] = spec.limit(checks[k], f'{what}: checks.{k}')
    if out.get('min') == 0 and a['type'][0] == 'u':
        del out['min']	# unsigned: min 0 is no check
    if checks.get('unterminated-ok'):
        out['unterminated-ok'] = True
    return out


def kernel_limits(entry, hdr, what):
    out = {}
    names = hdr.values
    for k in ('min', 'max', 'exact-len', 'max-len'):
        if k in entry:
            out[k] = eval_c(entry[k], names, what)
    if 'len' in entry:
        if entry['type'] in ('NLA_NUL_STRING', 'NLA_STRING', 'NLA_BINARY'):
            out['max-len'] = eval_c(entry['len'], names, what)
        else:
            raise CheckError(f'{what}: .len on {entry["type"]} not understood')
    if out.get('min') == 0 and NLA_TYPES.get(entry['type'], 'x')[0] == 'u':
        del out['min']
    if entry['type'] == 'NLA_STRING':
        out['unterminated-ok'] = True
    return out


def check_policies(spec, hdr, policies):
    """One result per policy table: (description, problems)."""
    results = []
    max_to_set = {s['max']: n for n, s in spec.sets.items()}
    policy_set = {}
    for pname, p in policies.items():
        m = re.fullmatch(r'(\w+)\s*\+\s*1', p['size'])
        if not m or m.group(1) not in max_to_set:
            results.append((f'policy {pname}',
                            [f'{rel(p["file"])}: {pname}[{p["size"]}]: size is no '
                             'attribute set\'s max + 1']))
            continue
        policy_set[pname] = max_to_set[m.group(1)]

    all_reject = set()
    for pname, p in policies.items():
        if pname in policy_set and p['entries'] and \
           all(e['type'] == 'NLA_REJECT' for e in p['entries'].values()):
            all_reject.add(pname)

    for pname, p in policies.items():
        if pname not in policy_set:
            continue
        set_name = policy_set[pname]
        s = spec.sets[set_name]
        errs = []
        where = f'{rel(p["file"])}: {pname}'
        requested = spec.request_attrs(set_name)
        is_root = any(o.get('attribute-set') == set_name for o in spec.ops)
        for cname in p['entries']:
            if cname not in s['by_cname']:
                errs.append(f'{where}: {cname} has a policy but is not in set {set_name}')
        for a in s['attrs']:
            cname, t = a['cname'], a['type']
            entry = p['entries'].get(cname)
            label = f'{set_name}.{a["name"]} ({cname})'
            if t in ('unused', 'pad'):
                if entry is not None:
                    errs.append(f'{label}: spec type {t}, but {pname} has '
                                f'{entry["type"]}')
                continue
            if entry is None:
                errs.append(f'{label}: spec type {t}, no entry in {pname} '
                            '(NLA_UNSPEC: rejected by strict validation)')
                continue
            ro = spec.read_only(set_name, a)
            # A nest whose policy rejects every attribute carries nothing in.
            rejects = entry['type'] == 'NLA_REJECT' or \
                entry.get('nested') in all_reject
            how = 'NLA_REJECT' if entry['type'] == 'NLA_REJECT' else \
                f'nested {entry.get("nested")} rejecting everything'
            if rejects:
                if not ro:
                    errs.append(f'{label}: {how} in {pname}, but the spec '
                                'does not say read-only')
                if is_root and a['name'] in requested:
                    errs.append(f'{label}: {how} in {pname}, but in a request '
                                'of the spec')
                if entry['type'] == 'NLA_REJECT':
                    continue
            else:
                if ro:
                    errs.append(f'{label}: the spec says read-only, {pname} '
                                f'accepts {entry["type"]}')
                if is_root and a['name'] not in requested:
                    errs.append(f'{label}: accepted by {pname}, in no request '
                                'of the spec')
            ktype = NLA_TYPES.get(entry['type'])
            if ktype is None:
                errs.append(f'{label}: {entry["type"]} not understood')
                continue
            if ktype != t:
                errs.append(f'{label}: spec type {t}, {pname} has {entry["type"]}')
                continue
            try:
                kl = kernel_limits(entry, hdr, f'{where}[{cname}]')
                sl = spec_limits(spec, set_name, a)
            except CheckError as e:
                errs.append(str(e))
                continue
            for k in sorted(set(kl) | set(sl)):
                if kl.get(k) != sl.get(k):
                    errs.append(f'{label}: {k}: {pname} '
                                f'{kl.get(k, "none")}, spec {sl.get(k, "none")}')
            if t == 'nest':
                target = policy_set.get(entry.get('nested'))
                if entry.get('nested') is None:
                    errs.append(f'{label}: nest without a nested policy')
                elif target != a.get('nested-attributes'):
                    errs.append(f'{label}: {pname} nests {entry["nested"]} '
                                f'(set {target}), spec nests '
                                f'{a.get("nested-attributes")}')
        results.append((f'policy {pname} matches attribute set {set_name}', errs))

    # A set without any policy is reply-only: only read-only attributes may
    # lead to it.
    unvalidated = set(spec.sets) - set(policy_set.values())
    errs = []
    for set_name in sorted(unvalidated):
        for pname, p in policies.items():
            owner = policy_set.get(pname)
            if owner is None:
                continue
            for a in spec.sets[owner]['attrs']:
                if a.get('nested-attributes') != set_name:
                    continue
                e = p['entries'].get(a['cname'])
                if e is None or e['type'] != 'NLA_REJECT':
                    errs.append(f'set {set_name} has no policy, but {owner}.'
                                f'{a["name"]} reaching it is accepted by {pname}')
    results.append(('sets without a policy are reply-only ('
                    + (', '.join(sorted(unvalidated)) or 'none') + ')', errs))
    return results, policy_set


def check_genl(spec, hdr, policy_set):
    errs = []
    path = os.path.join(MODULE_DIR, 'netlink.c')
    text = strip_comments(read(path))
    y = spec.y

    fam = c_struct_init(text, 'genl_family', r'\w+')
    if fam is None:
        return [f'{rel(path)}: no struct genl_family initializer']
    f = designated(fam)
    name = hdr.defines.get(f.get('name'), f.get('name', '').strip('"'))
    if name != spec.name:
        errs.append(f'genl_family .name is {name!r}, spec name {spec.name!r}')
    version = hdr.values.get(f.get('version'), f.get('version'))
    if str(version) != str(y.get('version', 1)):
        errs.append(f'genl_family .version is {version}, spec {y.get("version", 1)}')
    kpol = y.get('kernel-policy', 'split')
    if 'policy' in f:
        if kpol != 'global':
            errs.append(f'genl_family has a global .policy, spec kernel-policy is {kpol}')
        root = policy_set.get(f['policy'])
        sets = {o.get('attribute-set') for o in spec.ops if 'attribute-set' in o}
        if sets != {root}:
            errs.append(f'family policy {f["policy"]} validates set {root}, the '
                        f'operations use {sorted(s for s in sets if s)}')
    elif kpol == 'global':
        errs.append('spec kernel-policy is global, genl_family has no .policy')

    ops = c_array_bodies(text, 'genl_ops')
    if f.get('ops') not in ops:
        return errs + [f'{rel(path)}: genl_family .ops {f.get("ops")} not found']
    kernel_ops = {}
    for item in split_top(ops[f['ops']][1]):
        d = designated(item.strip()[1:-1])
        cmd = d.get('cmd')
        if cmd in kernel_ops:
            errs.append(f'genl_ops: {cmd} twice')
        flags = {GENL_FLAGS.get(x.strip(), x.strip())
                 for x in d.get('flags', '').split('|') if x.strip()}
        kernel_ops[cmd] = {'do': 'doit' in d, 'dump': 'dumpit' in d,
                           'flags': flags}
    spec_ops = {o['cname']: o for o in spec.ops
                if not o['is_async'] and ('do' in o or 'dump' in o)}
    for cname, k in kernel_ops.items():
        o = spec_ops.get(cname)
        if o is None:
            errs.append(f'genl_ops: {cname} is no operation of the spec')
            continue
        for mode in ('do', 'dump'):
            if k[mode] != (mode in o):
                errs.append(f'{o["name"]}: kernel {"has" if k[mode] else "lacks"} '
                            f'{mode}it, spec {"has" if mode in o else "lacks"} {mode}')
        if k['flags'] != set(o.get('flags', [])):
            errs.append(f'{o["name"]}: kernel flags {sorted(k["flags"])}, '
                        f'spec {sorted(o.get("flags", []))}')
    for cname, o in spec_ops.items():
        if cname not in kernel_ops:
            errs.append(f'{o["name"]}: {cname} not in genl_ops')

    groups = set()
    if 'mcgrps' in f:
        arrs = c_array_bodies(text, 'genl_multicast_group')
        if f['mcgrps'] not in arrs:
            errs.append(f'mcgrps {f["mcgrps"]} not found')
        else:
            for item in split_top(arrs[f['mcgrps']][1]):
                g = designated(item.strip()[1:-1]).get('name', '')
                groups.add(hdr.defines.get(g, g.strip('"')))
    spec_groups = {g['name'] for g in y.get('mcast-groups', {}).get('list', [])}
    if groups != spec_groups:
        errs.append(f'multicast groups: kernel {sorted(groups)}, spec {sorted(spec_groups)}')

    # Notifications: the commands the module multicasts.
    sent = set()
    for fn in sorted(os.listdir(MODULE_DIR)):
        if fn.endswith('.c'):
            src = strip_comments(read(os.path.join(MODULE_DIR, fn)))
            for m in re.finditer(r'\w*_notify\s*\([^;()]*,\s*(' +
                                 c_upper(spec.op_prefix) + r'\w+)\s*\)', src):
                sent.add(m.group(1))
    sent_vals = {hdr.values.get(c) for c in sent}
    ntf_vals = {o['value'] for o in spec.ops if o['is_async']}
    if sent_vals != ntf_vals:
        errs.append(f'notifications: the module sends {sorted(sent)}, '
                    f'the spec has values {sorted(ntf_vals)}')
    return errs


# ---- KTAP ----

def main():
    results = []	# (description, problems or None for skip, skip reason)

    def add(desc, fn, *args):
        try:
            results.append((desc, fn(*args), None))
        except CheckError as e:
            results.append((desc, [str(e)], None))

    try:
        import yaml  # noqa: F401
    except ImportError:
        print('TAP version 13\n1..1\nok 1 spec_check # SKIP python3-yaml not installed')
        return 0

    descs = ['spec validates against its schema',
             'family name, version and multicast groups match the header',
             'definitions match the header',
             'attribute sets match the header',
             'commands match the header',
             'the header has nothing the spec does not describe']
    try:
        spec_yaml = load_yaml(SPEC)
        spec = Spec(spec_yaml)
        hdr = Header(HEADER)
    except (CheckError, KeyError, TypeError) as e:
        msg = str(e) if isinstance(e, CheckError) else \
            f'{rel(SPEC)}: malformed: {type(e).__name__} {e}'
        print(f'TAP version 13\n1..1\nnot ok 1 spec_check\n# {msg}')
        return 1

    try:
        import jsonschema  # noqa: F401
        add(descs[0], check_schema, spec_yaml)
    except ImportError:
        results.append((descs[0], None, 'python3-jsonschema not installed'))
    covered = set()
    add(descs[1], check_header_family, spec, hdr, covered)
    add(descs[2], check_header_definitions, spec, hdr, covered)
    add(descs[3], check_header_sets, spec, hdr, covered)
    add(descs[4], check_header_ops, spec, hdr, covered)
    add(descs[5], check_header_complete, hdr, covered)

    try:
        policies = module_policies(hdr)
        policy_results, policy_set = check_policies(spec, hdr, policies)
        for desc, errs in policy_results:
            results.append((desc, errs, None))
        add('genl family, ops, groups and notifications match the spec',
            check_genl, spec, hdr, policy_set)
    except CheckError as e:
        results.append(('module policies parse', [str(e)], None))

    print('TAP version 13')
    print(f'1..{len(results)}')
    failed = 0
    for i, (desc, errs, skip) in enumerate(results, 1):
        if skip:
            print(f'ok {i} {desc} # SKIP {skip}')
        elif errs:
            failed += 1
            print(f'not ok {i} {desc}')
            for e in errs:
                print(f'# {e}')
        else:
            print(f'ok {i} {desc}')
    print(f'# {len(results) - failed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
