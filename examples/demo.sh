#!/usr/bin/env bash
# demo.sh: nftsync end to end in a throwaway network namespace.
#
#   sudo ./examples/demo.sh bin/nftsync      (or: sudo make demo)
#
# Applies Kilo's example rules, lists them, shows what the kernel has,
# injects drift with nft, shows `nftsync diff`, repairs it with `apply` and
# with `watch`, and cleans up. Everything happens inside a new network
# namespace that is deleted on exit, so the host's firewall is never
# touched. Needs root, nft and ip (iproute2); no network access.
set -euo pipefail

bin=${1:-bin/nftsync}
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" != 0 ]; then
	echo "demo.sh: run as root (it creates a network namespace)" >&2
	exit 1
fi
if ! command -v nft >/dev/null; then
	echo "demo.sh: nft is missing, running make deps" >&2
	make -C "$here/.." deps
fi
if [ ! -x "$bin" ]; then
	echo "demo.sh: $bin is not an executable; run make build first" >&2
	exit 1
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

ns="nftsync-demo-$$"
watch_pid=""
cleanup() {
	if [ -n "$watch_pid" ]; then kill "$watch_pid" 2>/dev/null || true; fi
	ip netns delete "$ns" 2>/dev/null || true
}
trap cleanup EXIT

bold=""
plain=""
if [ -t 1 ]; then
	bold=$(printf '\033[1m')
	plain=$(printf '\033[0m')
fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
# show prints a command, then runs it.
show() {
	printf '$ %s\n' "$*"
	"$@"
}
in_ns() { ip netns exec "$ns" "$@"; }
opts=(--netns "$ns" --owner kilo)

step "A throwaway network namespace: $ns"
ip netns add "$ns"

step "1. Apply Kilo's rules (examples/kilo.rules.v4 and .v6) as owner 'kilo'"
show "$bin" apply "${opts[@]}" -4 "$here/kilo.rules.v4" -6 "$here/kilo.rules.v6"

step "2. List the IPv4 state back from the kernel, in iptables-save format"
show "$bin" list "${opts[@]}"

step "3. What the kernel has: native nftables rules in kilo-* tables"
show ip netns exec "$ns" nft list ruleset

step "4. Drift: someone deletes a rule and adds a foreign one to KILO-NAT"
handle=$(in_ns nft -a list chain ip kilo-nat KILO-NAT | awk '/ip daddr 10\.4\.0\.1 /{print $NF}')
show ip netns exec "$ns" nft delete rule ip kilo-nat KILO-NAT handle "$handle"
show ip netns exec "$ns" nft insert rule ip kilo-nat KILO-NAT ip daddr 203.0.113.7 counter accept
show ip netns exec "$ns" nft list chain ip kilo-nat KILO-NAT

step "5. nftsync diff shows what apply would change (exit 2: changes)"
set +e
show "$bin" diff "${opts[@]}" -4 "$here/kilo.rules.v4" -6 "$here/kilo.rules.v6"
rc=$?
set -e
echo "(diff exited $rc)"

step "6. Apply again: the drift is repaired, diff now exits 0"
show "$bin" apply "${opts[@]}" -4 "$here/kilo.rules.v4" -6 "$here/kilo.rules.v6"
show "$bin" diff "${opts[@]}" -4 "$here/kilo.rules.v4" -6 "$here/kilo.rules.v6"
echo "(diff exited $?)"

step "7. nftsync watch repairs drift by itself, as soon as it is committed"
# The kernel notifies every committed change; --interval is a safety net.
"$bin" watch "${opts[@]}" -4 "$here/kilo.rules.v4" -6 "$here/kilo.rules.v6" --interval 1m &
watch_pid=$!
sleep 1
show ip netns exec "$ns" nft flush chain ip kilo-nat KILO-NAT
sleep 0.2
echo "... a fifth of a second later, the flushed rules are back:"
show ip netns exec "$ns" nft list chain ip kilo-nat KILO-NAT
kill -TERM "$watch_pid"
wait "$watch_pid" || true
watch_pid=""

step "8. Clean up: remove everything owner 'kilo' has"
show "$bin" cleanup "${opts[@]}"
show ip netns exec "$ns" nft list ruleset
echo "(empty: nothing left)"

step "Done; the namespace $ns is deleted on exit"
