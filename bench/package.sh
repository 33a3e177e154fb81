#!/bin/sh
# Packaging benchmark: internal/source against `tar -c | pigz` on the same
# generated tree, best of N interleaved rounds (the machine may be shared).
#
#   bench/package.sh [FILES] [MB] [ROUNDS]     # defaults: 20000 300 3
#
# Needs pigz and GNU time (/usr/bin/time). The tree is kept in
# ${BENCH_TREE:-/tmp/convox-ci-bench-FILES-MB} and reused on later runs.
set -eu

files=${1:-20000}
mb=${2:-300}
rounds=${3:-3}
cpus=$(nproc)
tree=${BENCH_TREE:-/tmp/convox-ci-bench-$files-$mb}
bin=$(mktemp -d)/pack
trap 'rm -rf "$(dirname "$bin")"' EXIT

cd "$(dirname "$0")/.."
go build -o "$bin" ./bench/pack
if [ ! -e "$tree/.dockerignore" ]; then
	rm -rf "$tree"
	"$bin" -gen "$tree" -files "$files" -mb "$mb"
fi
echo "tree: $tree ($(du -sh "$tree" | cut -f1) on disk, $files files, node_modules excluded), $cpus CPUs, load $(cut -d' ' -f1 /proc/loadavg)"

# run NAME CMD: prints "NAME wall-seconds peak-RSS-KB output-bytes cpu-seconds"
# per round. Peak RSS is the largest process of the pipeline; CPU is all of it.
run() {
	name=$1
	shift
	/usr/bin/time -f "%e %M %U %S" -o /tmp/bench.time sh -c "$* > /tmp/bench.out"
	read -r wall rss user sys < /tmp/bench.time
	echo "$name $wall $rss $(wc -c < /tmp/bench.out) $(awk "BEGIN { print $user + $sys }")"
}

i=0
while [ "$i" -lt "$rounds" ]; do
	run "tar|pigz-6" "tar -C '$tree' --exclude=./node_modules -c . | pigz -p$cpus"
	run "tar|pigz-1" "tar -C '$tree' --exclude=./node_modules -c . | pigz -1 -p$cpus"
	run "source(default)" "'$bin' '$tree' 2>/dev/null"
	run "source(level6)" "'$bin' -level 6 '$tree' 2>/dev/null"
	i=$((i + 1))
done | sort -k1,1 -k2,2n | awk '
	$1 != last { if (last != "") print line; last = $1; line = sprintf("%-16s best wall %6.2f s  cpu %6.2f s  peak RSS %6.1f MiB  %7.1f MB out", $1, $2, $5, $3/1024, $4/1e6) }
	END { print line }'
rm -f /tmp/bench.time /tmp/bench.out
