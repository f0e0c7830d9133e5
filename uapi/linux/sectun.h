/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * sectun: route-based IPsec (ESP/AH tunnel mode) virtual tunnel interfaces.
 *
 * Two netlink interfaces, both stable ABI, extended only by appending:
 *
 *  - rtnetlink link attributes (IFLA_INFO_DATA of kind "sectun") carry every
 *    device setting, so ip-link(8) and `sectun set` share one write path;
 *  - the generic netlink family "sectun" carries security associations,
 *    device/SA dumps and events.
 *
 * Documented in Documentation/netlink/specs/sectun.yaml.
 */
#ifndef _UAPI_LINUX_SECTUN_H
#define _UAPI_LINUX_SECTUN_H

#define SECTUN_LINK_KIND	"sectun"

/* ---- rtnetlink: IFLA_INFO_DATA attributes of kind "sectun" ---- */

enum {
	IFLA_SECTUN_UNSPEC,
	/* binary: struct in_addr (4 bytes) or struct in6_addr (16 bytes);
	 * optional, chosen by routing when absent or all-zero
	 */
	IFLA_SECTUN_LOCAL,
	/* binary: like LOCAL, same family; needed to transmit */
	IFLA_SECTUN_REMOTE,
	/* u32: ifindex of the underlay device in the creating netns, 0 = any */
	IFLA_SECTUN_LINK,
	/* u8: outer TTL/hop limit 1..255, or SECTUN_TTL_INHERIT */
	IFLA_SECTUN_TTL,
	/* u8: outer DSCP 0..63, or SECTUN_DSCP_COPY */
	IFLA_SECTUN_DSCP,
	/* u8: enum sectun_df */
	IFLA_SECTUN_DF,
	/* u8: enum sectun_encap */
	IFLA_SECTUN_ENCAP,
	/* u16, host byte order: UDP port sectun sends from and listens on */
	IFLA_SECTUN_ENCAP_SPORT,
	/* u16, host byte order: UDP port of the peer */
	IFLA_SECTUN_ENCAP_DPORT,
	/* u16: seconds of idle transmit before a NAT keepalive, 0 = off */
	IFLA_SECTUN_KEEPALIVE,
	/* u8: 0 or 1: follow an authenticated peer to a new address/port;
	 * absent on creation: on with encap udp, off without
	 */
	IFLA_SECTUN_FLOAT,
	__IFLA_SECTUN_MAX
};

#define IFLA_SECTUN_MAX (__IFLA_SECTUN_MAX - 1)

/* TTL 0 is not a valid outer TTL, so it encodes "copy the inner one". */
#define SECTUN_TTL_INHERIT	0
#define SECTUN_TTL_DEFAULT	64
/* DSCP is 6 bits; any value above 63 could mean "copy", only this one does. */
#define SECTUN_DSCP_COPY	0xff

enum sectun_df {
	SECTUN_DF_COPY,		/* copy DF from inner IPv4; set for inner IPv6 */
	SECTUN_DF_SET,
	SECTUN_DF_CLEAR,
	__SECTUN_DF_MAX
};

#define SECTUN_DF_MAX (__SECTUN_DF_MAX - 1)

enum sectun_encap {
	SECTUN_ENCAP_NONE,	/* ESP/AH straight in IP */
	SECTUN_ENCAP_UDP,	/* ESP in UDP, RFC 3948 */
	__SECTUN_ENCAP_MAX
};

#define SECTUN_ENCAP_MAX (__SECTUN_ENCAP_MAX - 1)

/* RFC 3948's port, both ends, unless configured otherwise. */
#define SECTUN_ENCAP_PORT_DEFAULT	4500

/* ---- generic netlink family "sectun" ---- */

#define SECTUN_GENL_NAME	"sectun"
#define SECTUN_GENL_VERSION	1
#define SECTUN_MCGRP_EVENTS	"events"

enum sectun_cmd {
	SECTUN_CMD_UNSPEC,
	/* do: one device (IFINDEX or IFNAME); dump: all devices of the netns */
	SECTUN_CMD_DEV_GET,
	/* do: add an SA (SA nest); also sent to the events group */
	SECTUN_CMD_SA_NEW,
	/* do: delete one SA; also sent to the events group */
	SECTUN_CMD_SA_DEL,
	/* do: one SA; dump: the SAs of one device, or of every device */
	SECTUN_CMD_SA_GET,
	/* do: delete every SA of a device, optionally of one direction */
	SECTUN_CMD_SA_FLUSH,
	/* notification only: the peer floated (IFINDEX, IFNAME, DEV) */
	SECTUN_CMD_ENDPOINT_CHANGED,
	__SECTUN_CMD_MAX
};

#define SECTUN_CMD_MAX (__SECTUN_CMD_MAX - 1)

enum sectun_attr {
	SECTUN_A_UNSPEC,
	SECTUN_A_IFINDEX,	/* u32 */
	SECTUN_A_IFNAME,	/* string */
	SECTUN_A_DEV,		/* nest: enum sectun_dev_attr */
	SECTUN_A_SA,		/* nest: enum sectun_sa_attr */
	__SECTUN_A_MAX
};

#define SECTUN_A_MAX (__SECTUN_A_MAX - 1)

/* Device information returned by SECTUN_CMD_DEV_GET (read-only). */
enum sectun_dev_attr {
	SECTUN_DEV_A_UNSPEC,
	/* nest: the IFLA_SECTUN_* settings, as in IFLA_INFO_DATA */
	SECTUN_DEV_A_SETTINGS,
	SECTUN_DEV_A_ACTIVE_SPI,	/* u32: SPI of the active outbound SA */
	SECTUN_DEV_A_SA_COUNT,		/* u32: SAs on the device */
	/* binary: the address sent to now: the remote, or where it floated */
	SECTUN_DEV_A_ENDPOINT,
	SECTUN_DEV_A_ENDPOINT_PORT,	/* u16: the UDP port sent to now */
	SECTUN_DEV_A_STATS,		/* nest: enum sectun_dev_stats_attr */
	__SECTUN_DEV_A_MAX
};

#define SECTUN_DEV_A_MAX (__SECTUN_DEV_A_MAX - 1)

/* Device counters outside any SA, all u64. */
enum sectun_dev_stats_attr {
	SECTUN_DEV_STATS_A_UNSPEC,
	SECTUN_DEV_STATS_A_PAD,
	SECTUN_DEV_STATS_A_KEEPALIVE_TX,	/* NAT keepalives sent */
	SECTUN_DEV_STATS_A_KEEPALIVE_RX,	/* NAT keepalives received */
	SECTUN_DEV_STATS_A_NON_ESP,	/* non-ESP marker (IKE) dropped */
	SECTUN_DEV_STATS_A_FLOATS,	/* endpoint changes */
	__SECTUN_DEV_STATS_A_MAX
};

#define SECTUN_DEV_STATS_A_MAX (__SECTUN_DEV_STATS_A_MAX - 1)

enum sectun_dir {
	SECTUN_DIR_IN = 1,
	SECTUN_DIR_OUT,
	__SECTUN_DIR_MAX
};

#define SECTUN_DIR_MAX (__SECTUN_DIR_MAX - 1)

/* RFC 4303 reserves SPIs 1..255; 0 means "no SA". */
#define SECTUN_SPI_MIN		256
#define SECTUN_REPLAY_WINDOW_DEFAULT	64
#define SECTUN_REPLAY_WINDOW_MAX	4096
/* Longest KEYMAT of any algorithm (aes256ctr-sha512: 36 + 64 = 100). */
#define SECTUN_KEY_MAX		128
#define SECTUN_ALG_NAME_MAX	32

enum sectun_sa_attr {
	SECTUN_SA_A_UNSPEC,
	SECTUN_SA_A_PAD,		/* alignment padding for u64 attributes */
	SECTUN_SA_A_DIR,		/* u8: enum sectun_dir */
	SECTUN_SA_A_SPI,		/* u32, host byte order */
	SECTUN_SA_A_PROTO,		/* u8: IPPROTO_ESP or IPPROTO_AH */
	SECTUN_SA_A_ALG,		/* string: strongSwan proposal name */
	SECTUN_SA_A_KEY,		/* binary KEYMAT, write-only */
	SECTUN_SA_A_ESN,		/* u8: 0 or 1 */
	SECTUN_SA_A_WINDOW,		/* u32: replay window, 0 = off */
	/* u64: outbound: next sequence number to send;
	 * inbound: highest sequence number received (top of the window)
	 */
	SECTUN_SA_A_SEQ,
	SECTUN_SA_A_ACTIVE,		/* u8, read-only: active outbound SA */
	SECTUN_SA_A_STATS,		/* nest: enum sectun_stats_attr */
	/* u8: 0 or 1: AH over IPv4 pads its ICV to 4 bytes, not 8 */
	SECTUN_SA_A_ALIGN4,
	__SECTUN_SA_A_MAX
};

#define SECTUN_SA_A_MAX (__SECTUN_SA_A_MAX - 1)

/* Per-SA counters, all u64; one per drop reason. */
enum sectun_stats_attr {
	SECTUN_STATS_A_UNSPEC,
	SECTUN_STATS_A_PAD,
	SECTUN_STATS_A_PACKETS,
	SECTUN_STATS_A_BYTES,
	SECTUN_STATS_A_REPLAY,		/* duplicate or left of the window */
	SECTUN_STATS_A_INTEGRITY,	/* ICV did not verify */
	SECTUN_STATS_A_MALFORMED,	/* truncated, bad padding/trailer */
	SECTUN_STATS_A_INNER,		/* bad inner protocol or length */
	SECTUN_STATS_A_SEQ_EXHAUSTED,	/* outbound sequence space used up */
	SECTUN_STATS_A_ERRORS,		/* memory, crypto, routing errors */
	SECTUN_STATS_A_DUMMY,		/* next header 59, dropped by design */
	SECTUN_STATS_A_LAST_USED,	/* seconds since the epoch, 0 = never */
	__SECTUN_STATS_A_MAX
};

#define SECTUN_STATS_A_MAX (__SECTUN_STATS_A_MAX - 1)

#endif /* _UAPI_LINUX_SECTUN_H */
