# SPDX-License-Identifier: GPL-2.0-only
#
# ESP test topology shared by esp_capture.sh and esp_neg.sh, sourced after
# lib.sh.  Two namespaces a and b joined by a veth "WAN" (wa <-> wb); tunnel
# devices on each side carry inner networks, each either a sectun device or
# the kernel's own IPsec (an xfrm interface, xfrmi) as the reference.
#
#	a: wa 192.0.2.1 2001:db8::1    tunnel I: 10.9.I.1/24 fd00:9:I::1/64
#	b: wb 192.0.2.2 2001:db8::2    tunnel I: 10.9.I.2/24 fd00:9:I::2/64
#
# Every process start costs a good fraction of a second under TCG (measured:
# ip 0.4-0.6 s, python3 1-2.5 s on a loaded host), so the setup is
# collected into one `ip -b` and one `sectun -b` per namespace: the
# esp_*_tunnel functions only append to ESP_IP_BATCH_A/B and
# ESP_ST_BATCH_A/B, esp_apply runs them.

WAN4_A=192.0.2.1
WAN4_B=192.0.2.2
WAN6_A=2001:db8::1
WAN6_B=2001:db8::2

# Inner addresses of tunnel I (default 0), side a or b.
in4() { echo "10.9.${2:-0}.$([ "$1" = a ] && echo 1 || echo 2)"; }
in6() { echo "fd00:9:${2:-0}::$([ "$1" = a ] && echo 1 || echo 2)"; }

# esp_alg ALG: split a sectun ESP algorithm name into
#	ALG_ENC		gcm | chacha | gmac | cbc | ctr | null
#	ALG_ENC_KEYLEN	bytes of KEYMAT for encryption (with salt or nonce)
#	ALG_IV		bytes of IV on the wire
#	ALG_ICV		bytes of ICV
#	ALG_HASH	sha1 | sha256 | sha384 | sha512 | md5 ("" for gcm)
#	ALG_AUTH_KEYLEN	bytes of KEYMAT for the HMAC
#	ALG_KEYLEN	the whole KEYMAT (what `sectun algs` lists)
esp_alg()
{
	local alg=$1 enc hash

	ALG_HASH='' ALG_AUTH_KEYLEN=0
	case $alg in
	aes128gcm8 | aes128gcm12 | aes128gcm16 | aes256gcm8 | aes256gcm12 | aes256gcm16)
		ALG_ENC=gcm
		ALG_ENC_KEYLEN=$((${alg:3:3} / 8 + 4))
		ALG_IV=8
		ALG_ICV=${alg#aes???gcm}
		ALG_KEYLEN=$ALG_ENC_KEYLEN
		return 0
		;;
	chacha20poly1305)
		ALG_ENC=chacha ALG_ENC_KEYLEN=36 ALG_IV=8 ALG_ICV=16
		ALG_KEYLEN=$ALG_ENC_KEYLEN
		return 0
		;;
	aes128gmac | aes256gmac)
		ALG_ENC=gmac ALG_ENC_KEYLEN=$((${alg:3:3} / 8 + 4))
		ALG_IV=8 ALG_ICV=16
		ALG_KEYLEN=$ALG_ENC_KEYLEN
		return 0
		;;
	*-*)
		enc=${alg%%-*}
		hash=${alg#*-}
		;;
	*) fail "esp_alg: not an ESP algorithm these tests know: $alg" ;;
	esac
	case $enc in
	aes128 | aes256)
		ALG_ENC=cbc ALG_ENC_KEYLEN=$((${enc:3:3} / 8)) ALG_IV=16 ;;
	aes128ctr | aes256ctr)
		ALG_ENC=ctr ALG_ENC_KEYLEN=$((${enc:3:3} / 8 + 4)) ALG_IV=8 ;;
	null)
		ALG_ENC=null ALG_ENC_KEYLEN=0 ALG_IV=0 ;;
	*) fail "esp_alg: unknown cipher in $alg" ;;
	esac
	hmac_alg "$hash" || fail "esp_alg: unknown integrity algorithm in $alg"
	ALG_KEYLEN=$((ALG_ENC_KEYLEN + ALG_AUTH_KEYLEN))
}

# hmac_alg HASH: ALG_HASH, ALG_AUTH_KEYLEN and ALG_ICV of an HMAC (RFC
# 2404, RFC 4868, RFC 2403): key as long as the hash output, ICV truncated
# to half of it (96 bits for SHA-1 and MD5).  Fails for another name.
hmac_alg()
{
	case $1 in
	sha1) ALG_AUTH_KEYLEN=20 ALG_ICV=12 ;;
	sha256) ALG_AUTH_KEYLEN=32 ALG_ICV=16 ;;
	sha384) ALG_AUTH_KEYLEN=48 ALG_ICV=24 ;;
	sha512) ALG_AUTH_KEYLEN=64 ALG_ICV=32 ;;
	md5) ALG_AUTH_KEYLEN=16 ALG_ICV=12 ;;
	*) return 1 ;;
	esac
	ALG_HASH=$1
}

# ah_alg ALG: the same for an AH algorithm (sectun names it by its hash),
# plus
#	ALG_KEYLEN	the KEYMAT (the HMAC key)
#	AH_LEN4 AH_LEN8	bytes of AH header with the ICV padded to 4 and to
#			8 bytes (RFC 4302 3.3.3.2.1; IPv6 always pads to 8)
ah_alg()
{
	hmac_alg "$1" || fail "ah_alg: not an AH algorithm these tests know: $1"
	ALG_ENC=none ALG_ENC_KEYLEN=0 ALG_IV=0
	ALG_KEYLEN=$ALG_AUTH_KEYLEN
	AH_LEN4=$((12 + ALG_ICV))
	AH_LEN8=$(((12 + ALG_ICV + 7) / 8 * 8))
}

# ah_xfrm_algo ALG KEYHEX: the algorithm words of `ip xfrm state add
# ... proto ah`, with the RFC's truncation.
ah_xfrm_algo()
{
	ah_alg "$1"
	echo "auth-trunc \"hmac($ALG_HASH)\" 0x$2 $((8 * ALG_ICV))"
}

# esp_key BYTES: a random key in hex, from getrandom(2) through $SRANDOM
# (no process).
esp_key()
{
	local n=$1 k=

	while [ "$n" -gt 0 ]; do
		k+=$(printf '%08x' "$SRANDOM")
		n=$((n - 4))
	done
	echo "${k:0:$((2 * $1))}"
}

# esp_xfrm_algo ALG KEYHEX: the algorithm words of `ip xfrm state add`,
# quoted for an ip batch line.
esp_xfrm_algo()
{
	local alg=$1 key=$2 ekey akey

	esp_alg "$alg"
	ekey=${key:0:$((2 * ALG_ENC_KEYLEN))}
	akey=${key:$((2 * ALG_ENC_KEYLEN))}
	case $ALG_ENC in
	gcm)
		echo "aead \"rfc4106(gcm(aes))\" 0x$key $((8 * ALG_ICV))"
		return 0
		;;
	chacha)
		echo "aead \"rfc7539esp(chacha20,poly1305)\" 0x$key 128"
		return 0
		;;
	gmac)
		echo "aead \"rfc4543(gcm(aes))\" 0x$key 128"
		return 0
		;;
	cbc) echo -n "enc \"cbc(aes)\" 0x$ekey " ;;
	ctr) echo -n "enc \"rfc3686(ctr(aes))\" 0x$ekey " ;;
	null) echo -n "enc \"ecb(cipher_null)\" \"\" " ;;
	esac
	echo "auth-trunc \"hmac($ALG_HASH)\" 0x$akey $((8 * ALG_ICV))"
}

# esp_endpoints NS FAMILY -> "LOCAL REMOTE": the outer addresses of NS.
esp_endpoints()
{
	case $1$2 in
	a4) echo "$WAN4_A $WAN4_B" ;;
	b4) echo "$WAN4_B $WAN4_A" ;;
	a6) echo "$WAN6_A $WAN6_B" ;;
	b6) echo "$WAN6_B $WAN6_A" ;;
	*) fail "esp_endpoints $*" ;;
	esac
}

# esp_wan: namespaces a and b and the veth between them, with no
# offloads, so that what the stack hands the veth is what a capture sees
# (no GSO super-packets, no GRO merging, no deferred checksums).
esp_wan()
{
	netns_add a
	netns_add b
	ESP_IP_BATCH_A="link add wa type veth peer name wb netns $(ns b)
addr add $WAN4_A/24 dev wa
addr add $WAN6_A/64 dev wa nodad
link set wa up
"
	ESP_IP_BATCH_B="addr add $WAN4_B/24 dev wb
addr add $WAN6_B/64 dev wb nodad
link set wb up
"
	ESP_ST_BATCH_A=
	ESP_ST_BATCH_B=
}

# The inner side of tunnel device DEV, number I, in namespace NS: both
# families, and no link-local address, so that IPv6 sends nothing of its
# own (router solicitations need one) to muddle counters.
esp_inner()
{
	local n=$1 dev=$2 i=$3

	printf '%s\n' "link set $dev addrgenmode none" \
		"addr add $(in4 "$n" "$i")/24 dev $dev" \
		"addr add $(in6 "$n" "$i")/64 dev $dev nodad" \
		"link set $dev up"
}

# esp_sectun_tunnel NS I FAMILY: sectun device st<I> in NS, its endpoints
# and inner addresses; its SAs are sectun batch lines the caller appends
# to ESP_ST_BATCH_<NS> (esp_sectun_sa).
esp_sectun_tunnel()
{
	local n=$1 i=$2 fam=$3 here there lines

	read -r here there <<<"$(esp_endpoints "$n" "$fam")"
	lines="link add st$i type sectun
$(esp_inner "$n" "st$i" "$i")
"
	if [ "$n" = a ]; then
		ESP_IP_BATCH_A+=$lines
		ESP_ST_BATCH_A+="set st$i local $here remote $there
"
	else
		ESP_IP_BATCH_B+=$lines
		ESP_ST_BATCH_B+="set st$i local $here remote $there
"
	fi
}

# esp_sectun_sa NS DEV in|out SPI ALG KEYHEX: one SA, key inline (batch
# input only, never a command line).
esp_sectun_sa()
{
	local line="sa add $2 $3 spi $4 esp $5 key 0x$6
"
	if [ "$1" = a ]; then
		ESP_ST_BATCH_A+=$line
	else
		ESP_ST_BATCH_B+=$line
	fi
}

# esp_native_tunnel NS I FAMILY ALG OUT_SPI OUT_KEY IN_SPI IN_KEY: the same
# with the kernel's IPsec: xfrm interface st<I> (if_id I+1) whose policies
# send every inner packet through a pair of tunnel-mode states.
esp_native_tunnel()
{
	local n=$1 i=$2 fam=$3 alg=$4 ospi=$5 okey=$6 ispi=$7 ikey=$8
	local here there id=$(($2 + 1)) any lines

	read -r here there <<<"$(esp_endpoints "$n" "$fam")"
	# af-unspec: one state carries both inner families.
	lines="link add st$i type xfrm if_id $id
xfrm state add src $here dst $there proto esp spi $ospi mode tunnel if_id $id flag af-unspec $(esp_xfrm_algo "$alg" "$okey")
xfrm state add src $there dst $here proto esp spi $ispi mode tunnel if_id $id flag af-unspec $(esp_xfrm_algo "$alg" "$ikey")
"
	for any in 0.0.0.0/0 ::/0; do
		lines+="xfrm policy add src $any dst $any dir out if_id $id tmpl src $here dst $there proto esp mode tunnel
xfrm policy add src $any dst $any dir in if_id $id tmpl src $there dst $here proto esp mode tunnel
"
	done
	lines+="$(esp_inner "$n" "st$i" "$i")
"
	if [ "$n" = a ]; then
		ESP_IP_BATCH_A+=$lines
	else
		ESP_IP_BATCH_B+=$lines
	fi
}

# esp_apply: run the collected batches; ip first, as sectun configures the
# devices ip creates.  Then the veth offloads, now that both ends exist.
esp_apply()
{
	in_ns a ip -b - <<<"$ESP_IP_BATCH_A" || fail "ip -b in a failed"
	in_ns b ip -b - <<<"$ESP_IP_BATCH_B" || fail "ip -b in b failed"
	if [ -n "$ESP_ST_BATCH_A" ]; then
		in_ns a "$SECTUN_TOOL" -b - <<<"$ESP_ST_BATCH_A" ||
			fail "sectun -b in a failed"
	fi
	if [ -n "$ESP_ST_BATCH_B" ]; then
		in_ns b "$SECTUN_TOOL" -b - <<<"$ESP_ST_BATCH_B" ||
			fail "sectun -b in b failed"
	fi
	in_ns a ethtool -K wa tx off rx off gso off gro off tso off >/dev/null
	in_ns b ethtool -K wb tx off rx off gso off gro off tso off >/dev/null
}

# esp_sa_list NS: one line per SA of NS from `sectun -j sa list`:
#	DIR SPI packets N replay N integrity N malformed N inner N dummy N errors N
# with SPI in hex (0x1001).  Parsed in bash: the SA objects are flat, and
# python would cost seconds.
esp_sa_list()
{
	local js obj rest k v out
	local -A f

	js=$(in_ns "$1" "$SECTUN_TOOL" -j sa list) || fail "sectun -j sa list in $1"
	while [[ $js =~ \{([^{}]*)\}(.*) ]]; do
		obj=${BASH_REMATCH[1]} js=${BASH_REMATCH[2]}
		f=() rest=$obj
		while [[ $rest =~ \"([a-z_]+)\"[[:space:]]*:[[:space:]]*(\"[^\"]*\"|[0-9]+|true|false|null)(.*) ]]; do
			k=${BASH_REMATCH[1]} v=${BASH_REMATCH[2]} rest=${BASH_REMATCH[3]}
			f[$k]=${v//\"/}
		done
		out="${f[dir]:-?} $(printf '0x%x' "${f[spi]:-0}")"
		for k in packets replay integrity malformed inner dummy errors; do
			[ -n "${f[$k]:-}" ] || fail "sa list: no \"$k\" in {$obj}"
			out+=" $k ${f[$k]}"
		done
		echo "$out"
	done
}

# esp_sa_stats NS DIR SPI: "packets N replay N ... errors N" of one SA.
esp_sa_stats()
{
	local line spi

	spi=$(printf '0x%x' "$(($3))")
	while IFS= read -r line; do
		if [[ $line == "$2 $spi "* ]]; then
			echo "${line#"$2 $spi "}"
			return 0
		fi
	done <<<"$(esp_sa_list "$1")"
	fail "no $2 SA with SPI $3 in $1"
}
