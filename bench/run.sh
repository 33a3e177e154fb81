#!/bin/sh
# bench/run.sh: the benchmark behind README's Performance table. Builds convox-ci as released and
# measures it against the simulated Rack on loopback, next to the physical
# limit (`tar -c | pigz`) on the same tree, and prints one table:
#
#   (a) packaging+upload: seconds from start to the end of the upload of
#       `convox-ci build` on a ~300 MB / 20,000-file tree with a
#       .dockerignore, and bytes sent; next to `tar -c | pigz -pCPUS` at
#       level 1 (ours uses level 1) and at the default level 6 (best of
#       --rounds; target: ours <= 1.2x the same-level pigz)
#   (b) peak RSS of the convox-ci process during that build, at 300 MB and
#       (with --big) at 3 GB / 200,000 files (target: <= 64 MiB, flat)
#   (c) orchestration overhead per deploy: wall time of `convox-ci deploy`
#       of a small app (examples/app, as a one-commit git checkout) minus the simulated Rack's own build
#       and rollout time; median of --deploys runs with a Rack that answers
#       at once (target: <= 0.5 s), and of --slow-deploys runs with a 2 s
#       build and rollouts of 1.3, 2.9, 4.6 and 6.1 s in turn (the lag of
#       polling where the protocol has no signal)
#   (d) binary size (target <= 15 MB) and `convox-ci version` start-up time
#       (median of 50 runs, hyperfine when available)
#
# Usage (from anywhere in a clone; needs Go, tar, pigz, GNU time; installs
# pigz, time and hyperfine with apt-get when missing and allowed):
#
#   bench/run.sh [--big | --no-big] [--rounds N] [--deploys N] [--slow-deploys N]
#                [--convox PATH]
#
#   --big / --no-big  the 3 GB case (default: on when the tree's file system
#                     has 10 GB free; it takes about 5 minutes the first time)
#   --rounds N        packaging rounds at 300 MB, best taken (default 3)
#   --deploys N       deploys against the instant Rack (default 20)
#   --slow-deploys N  deploys against the slow Rack (default 8; 0 skips)
#   --convox PATH     also measure this Convox CLI binary the same way
#                     (`convox build`, `convox deploy`) for comparison
#
# Trees are generated once into ${BENCH_TREE:-/tmp/convox-ci-bench-20000-300}
# and ${BENCH_BIG_TREE:-/tmp/convox-ci-bench-200000-3000} and reused (the
# same generator as bench/package.sh). The clients run as separate processes
# against bench/measure, which serves the simulated Rack, counts the upload
# and reads each process's peak RSS from the kernel (wait4 rusage, as
# /usr/bin/time -v does). Each run's JSON line goes to stderr; the table to
# stdout. The machine may be shared: the load average is printed with it.
set -eu

big=auto rounds=3 deploys=20 slow=8 convox=
while [ $# -gt 0 ]; do
	case $1 in
	--big) big=yes ;;
	--no-big) big=no ;;
	--rounds) rounds=$2; shift ;;
	--deploys) deploys=$2; shift ;;
	--slow-deploys) slow=$2; shift ;;
	--convox) convox=$2; shift ;;
	-h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done

cd "$(dirname "$0")/.."
repo=$(pwd)
cpus=$(nproc)
tree=${BENCH_TREE:-/tmp/convox-ci-bench-20000-300}
bigtree=${BENCH_BIG_TREE:-/tmp/convox-ci-bench-200000-3000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Tools from Debian when missing.
need=
command -v pigz >/dev/null || need="$need pigz"
[ -x /usr/bin/time ] || need="$need time"
command -v hyperfine >/dev/null || need="$need hyperfine"
if [ -n "$need" ]; then
	sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	echo "installing$need" >&2
	$sudo apt-get install -y $need >&2 || echo "could not install$need; continuing without" >&2
fi
command -v pigz >/dev/null || { echo "bench/run.sh: pigz is required" >&2; exit 1; }

# The binary as released (.goreleaser.yaml), and the helpers.
echo "building convox-ci (CGO_ENABLED=0 -trimpath -ldflags '-s -w')" >&2
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=bench" -o "$work/convox-ci" ./cmd/convox-ci
go build -o "$work/measure" ./bench/measure
go build -o "$work/pack" ./bench/pack
bin=$work/convox-ci

# gen DIR FILES MB: the tree, generated once (the app files mark a finished one).
gen() {
	if [ ! -e "$1/convox.yml" ]; then
		echo "generating $1 ($2 files, $3 MB)" >&2
		rm -rf "$1"
		"$work/pack" -gen "$1" -files "$2" -mb "$3"
	fi
}
gen "$tree" 20000 300
if [ "$big" = auto ]; then
	free_kb=$(df -Pk "$(dirname "$bigtree")" | awk 'NR == 2 { print $4 }')
	if [ -e "$bigtree/convox.yml" ] || [ "$free_kb" -gt $((10 * 1024 * 1024)) ]; then big=yes; else big=no; fi
fi
[ "$big" = yes ] && gen "$bigtree" 200000 3000

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "machine: $cpus CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(free -m | awk '/^Mem:/ { print $2 " MiB RAM, " $7 " MiB available" }'), $(uname -sr), $(go version | cut -d' ' -f3)" >&2
load_start=$(load)

# kv KEY LINE: the value of KEY in a key=value summary line.
kv() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# pigz LEVEL DIR: "seconds bytes" of tar -c | pigz on the tree (node_modules
# left out, as .dockerignore does).
pigzrun() {
	/usr/bin/time -f %e -o "$work/t" sh -c "tar -C '$2' --exclude=./node_modules -c . | pigz -$1 -p$cpus | wc -c > '$work/n'"
	echo "$(cat "$work/t") $(tr -d ' ' < "$work/n")"
}

# build CLIENT DIR ARGS...: one measured build; prints the summary line.
build() {
	b=$1 d=$2
	shift 2
	"$work/measure" -n 1 -- "$b" "$@" "$d" | tail -1
}

# best FILE COLUMN: the smallest value of COLUMN in FILE.
best() { sort -g -k"$2" "$1" | head -1 | cut -d' ' -f"$2"; }

# warm DIR: read the tree into the page cache so the first round is not a
# disk benchmark (through a pipe: GNU tar skips reading files for /dev/null).
warm() { tar -C "$1" -c . | cat > /dev/null; }
warm "$tree"

echo "packaging at 300 MB: $rounds rounds" >&2
: > "$work/p1"; : > "$work/p6"; : > "$work/ours"; : > "$work/real"
i=0
while [ "$i" -lt "$rounds" ]; do
	pigzrun 1 "$tree" >> "$work/p1"
	pigzrun 6 "$tree" >> "$work/p6"
	s=$(build "$bin" "$tree" build --log-format json)
	echo "$(kv upload "$s") $(kv bytes "$s") $(kv rss_max_kib "$s") $(kv client_upload "$s")" >> "$work/ours"
	if [ -n "$convox" ]; then
		s=$(build "$convox" "$tree" build --app bench)
		echo "$(kv upload "$s") $(kv bytes "$s") $(kv rss_max_kib "$s")" >> "$work/real"
	fi
	i=$((i + 1))
done
p1=$(best "$work/p1" 1); p1b=$(best "$work/p1" 2)
p6=$(best "$work/p6" 1); p6b=$(best "$work/p6" 2)
up=$(best "$work/ours" 1); upb=$(sort -g -k1 "$work/ours" | head -1 | cut -d' ' -f2)
rss=$(sort -g -k3 "$work/ours" | tail -1 | cut -d' ' -f3)
cup=$(best "$work/ours" 4)
if [ -n "$convox" ]; then
	rup=$(best "$work/real" 1); rupb=$(sort -g -k1 "$work/real" | head -1 | cut -d' ' -f2)
	rrss=$(sort -g -k3 "$work/real" | tail -1 | cut -d' ' -f3)
fi

if [ "$big" = yes ]; then
	echo "packaging at 3 GB: 1 round" >&2
	warm "$bigtree"
	bp1=$(pigzrun 1 "$bigtree")
	s=$(build "$bin" "$bigtree" build --log-format json)
	bup=$(kv upload "$s") bupb=$(kv bytes "$s") brss=$(kv rss_max_kib "$s")
	if [ -n "$convox" ]; then
		s=$(build "$convox" "$bigtree" build --app bench)
		brup=$(kv upload "$s") brrss=$(kv rss_max_kib "$s")
	fi
fi

echo "deploys: $deploys instant, $slow with a 2 s build and 1.3-6.1 s rollouts" >&2
app=$work/app
cp -R "$repo/examples/app" "$app"
# A checkout with one commit, as in CI (both clients ask git about it).
if command -v git >/dev/null; then
	git -C "$app" init -q && git -C "$app" add -A &&
		git -C "$app" -c user.name=bench -c user.email=bench@example.org commit -qm "bench app" || true
fi
s=$("$work/measure" -n "$deploys" -discard=false -dir "$app" -- "$bin" deploy --log-format json . | tail -1)
ov=$(kv overhead "$s") ovmin=$(kv overhead_min "$s") ovmax=$(kv overhead_max "$s")
if [ "$slow" -gt 0 ]; then
	s=$("$work/measure" -n "$slow" -build 2s -rollout 1.3s,2.9s,4.6s,6.1s -discard=false -dir "$app" -- "$bin" deploy --log-format json . | tail -1)
	sov=$(kv overhead "$s") sovmax=$(kv overhead_max "$s")
fi
if [ -n "$convox" ]; then
	n=$((deploys < 3 ? deploys : 3))
	s=$("$work/measure" -n "$n" -discard=false -dir "$app" -- "$convox" deploy --app bench | tail -1)
	rov=$(kv overhead "$s")
fi

echo "binary size and start-up" >&2
size=$(stat -c %s "$bin")
if command -v hyperfine >/dev/null; then
	hyperfine -N --warmup 5 --runs 50 --export-csv "$work/hf.csv" "$bin version" > /dev/null 2>&1
	start=$(awk -F, 'NR == 2 { printf "%.1f", $4 * 1000 }' "$work/hf.csv")
	how="hyperfine -N --runs 50, median"
else
	: > "$work/st"
	i=0
	while [ "$i" -lt 50 ]; do
		a=$(date +%s%N); "$bin" version > /dev/null; z=$(date +%s%N)
		echo $(((z - a) / 1000)) >> "$work/st"
		i=$((i + 1))
	done
	start=$(sort -n "$work/st" | awk '{ v[NR] = $1 } END { printf "%.1f", v[int((NR + 1) / 2)] / 1000 }')
	how="shell loop of 50, median"
fi
if [ -n "$convox" ]; then
	rsize=$(stat -c %s "$convox")
	if command -v hyperfine >/dev/null; then
		hyperfine -N --warmup 5 --runs 50 --export-csv "$work/hf.csv" "$convox version" > /dev/null 2>&1
		rstart=$(awk -F, 'NR == 2 { printf "%.1f ms", $4 * 1000 }' "$work/hf.csv")
	fi
fi
load_end=$(load)

# The table.
r() { awk "BEGIN { printf \"%.2f\", $1 }"; }
mib() { awk "BEGIN { printf \"%.1f MiB\", $1 / 1024 }"; }
mb() { awk "BEGIN { printf \"%.1f MB\", $1 / 1e6 }"; }
ok() { if awk "BEGIN { exit !($1) }"; then echo yes; else echo NO; fi; }
cli() { if [ -n "$convox" ]; then echo "$1"; else echo "${2:-not run (--convox)}"; fi; }
cat <<EOF

| figure | convox-ci | reference | target | met |
|---|---|---|---|---|
| (a) package+upload, 300 MB tree, start to upload end (best of $rounds) | $up s ($(mb "$upb") sent; its own log: $cup s) | tar\|pigz -1 -p$cpus: $p1 s ($(mb "$p1b")); tar\|pigz -6 -p$cpus: $p6 s ($(mb "$p6b")) | <= 1.2x pigz | $(r "$up / $p1")x of pigz -1: $(ok "$up <= 1.2 * $p1"); $(r "$up / $p6")x of pigz -6 |
| (a) Convox CLI, same tree | | $(cli "${rup:-} s ($(mb "${rupb:-0}") sent)" "not run (--convox); issue: 30 s on 186 MB") | | |
| (b) peak RSS, 300 MB tree | $(mib "$rss") | Convox CLI: $(cli "$(mib "${rrss:-0}")" "223 MB (issue, 186 MB tree)") | <= 64 MiB | $(ok "$rss <= 65536") |
EOF
if [ "$big" = yes ]; then
	bp1s=${bp1% *} bp1b=${bp1#* }
	cat <<EOF
| (b) peak RSS, 3 GB / 200,000-file tree | $(mib "$brss") ($bup s, $(mb "$bupb") sent) | tar\|pigz -1: $bp1s s ($(mb "$bp1b")); Convox CLI: $(cli "$(mib "${brrss:-0}"), ${brup:-} s" "not run") | <= 64 MiB, flat | $(ok "$brss <= 65536 && $brss <= 1.25 * $rss") |
EOF
else
	echo "| (b) peak RSS, 3 GB tree | not run (--big) | | <= 64 MiB, flat | |"
fi
cat <<EOF
| (c) orchestration overhead per deploy, instant Rack (median of $deploys) | $ov s (min $ovmin, max $ovmax) | Convox CLI: $(cli "${rov:-} s" "21.6 s (issue; wire/deploy.txt: 22.09 s)") | <= 0.5 s | $(ok "$ov <= 0.5") |
EOF
[ "$slow" -gt 0 ] && cat <<EOF
| (c) overhead, Rack with a 2 s build and 1.3-6.1 s rollouts (median of $slow) | $sov s (max $sovmax) | | (<= 0.5 s) | $(ok "$sov <= 0.5") |
EOF
cat <<EOF
| (d) binary size | $(mb "$size") ($size bytes) | Convox CLI: $(cli "$(mb "${rsize:-0}")" "110 MB (issue)") | <= 15 MB | $(ok "$size <= 15000000") |
| (d) \`convox-ci version\` start-up | $start ms ($how) | Convox CLI \`convox version\`: $(cli "${rstart:-not measured}" "not run (--convox)") | | |

load average (1/5/15 min): $load_start at the start, $load_end at the end; $cpus CPUs
EOF
