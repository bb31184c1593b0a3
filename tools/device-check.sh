#!/usr/bin/env bash
# Device check for a lent GPU machine (no registry access): run from the repository root with the
# built dist/ and node_modules carried (node_modules is far over 64 MiB: the machine needs its own copy,
# or carry dist/ + a pruned node_modules; tfjs-node-native's libtensorflow alone is ~800 MB, so the
# tensorflow row is expected to be missing there unless it is bundled).
# Prints: the GPU (nvidia-smi), `heritage backends`, `heritage bench` on the usable fast rows, a
# ci-preset training run on the automatic backend, and one summary table. Exit 0 when it all ran.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
t() { local s=$SECONDS; "$@"; local rc=$?; echo "$((SECONDS - s))s rc=$rc"; return $rc; }
gpu="none"
if command -v nvidia-smi >/dev/null 2>&1; then
  gpu=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)
fi
echo "== GPU: $gpu"
echo "== heritage backends"
b=$(t node bin/heritage.js backends 2>&1 | tee "$out/backends.txt" | tail -1)
echo "== heritage bench (train 64 px batch 32)"
# webgpu only on a hardware adapter (the software one takes about a minute per 64 px batch-32 step).
rows=${BENCH_ROWS:-}
if [ -z "$rows" ]; then
  rows=tensorflow,wasm
  grep -E "^\| webgpu +\| yes" "$out/backends.txt" | grep -vq "\[software\]" && rows=tensorflow,webgpu,wasm
fi
c=$(t node bin/heritage.js bench --backends "$rows" --steps 3 2>&1 | tee "$out/bench.txt" | tail -1)
echo "== ci preset (train + study) on the automatic backend"
r=$(t node bin/heritage.js run --config experiments/ci.json --out "$out/ci-run" --no-report 2>&1 | tee "$out/ci-run.txt" | tail -1)
choice=$(grep -m1 "automatic choice (no HERITAGE_BACKEND)" "$out/backends.txt" | sed "s/.*): //")
echo
echo "| check | result |"
echo "|---|---|"
echo "| GPU | $gpu |"
echo "| automatic backend | ${choice:-?} |"
grep -E "^\| (tensorflow|webgpu|wasm|cpu) " "$out/backends.txt" | awk -F'|' '{gsub(/ +/," "); print "| backends:" $2 "|" $3 "," $6 "|"}'
grep -E "^\| (tensorflow|wasm|webgpu)" "$out/bench.txt" | awk -F'|' '{gsub(/ +/," "); print "| bench:" $2 "train ms/step |" $4 "|"}'
echo "| heritage backends | $b |"
echo "| heritage bench | $c |"
echo "| ci run | $r |"
echo "(logs in $out)"
