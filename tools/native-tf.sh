#!/usr/bin/env bash
# Build the native TensorFlow backend (the binding of @tensorflow/tfjs-node 4.22.0, installed under
# the npm alias `tfjs-node-native`) against a TensorFlow you already have, without the download
# from storage.googleapis.com that tfjs-node's own install script does. For offline clusters with
# a pip mirror, or machines where that download is blocked.
#
#   npm run native-tf                        # pip download --no-deps tensorflow-cpu==2.21.0 (local index)
#   npm run native-tf -- --wheel FILE.whl    # a TensorFlow wheel (tensorflow or tensorflow-cpu, 2.x, Linux x86-64)
#   npm run native-tf -- --libtensorflow DIR # an unpacked libtensorflow tarball (DIR/lib, DIR/include)
#   npm run native-tf -- --check             # only say whether the binding loads
#
# From a wheel: libtensorflow_cc.so.2 provides the C API (TF_*, TFE_*) and
# libtensorflow_framework.so.2 the rest; headers come from the wheel's tensorflow/include/.
# They are linked as deps/lib/libtensorflow.so and deps/lib/libtensorflow_framework.so, and the
# binding finds them at run time through its rpath ($ORIGIN/../../deps/lib). About 820 MiB on disk.
# Needs python3 (to read the wheel), make and g++ (node-gyp). Env: TF_WHEEL_VERSION (default 2.21.0),
# NATIVE_TF_CACHE (where the wheel goes, default .whl/ in the repo).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
pkg=$root/node_modules/tfjs-node-native
version=${TF_WHEEL_VERSION:-2.21.0}
cache=${NATIVE_TF_CACHE:-$root/.whl}
wheel=""
libtf=""
check_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --wheel) wheel=$(realpath "$2"); shift 2 ;;
    --libtensorflow) libtf=$(realpath "$2"); shift 2 ;;
    --check) check_only=1; shift ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "native-tf: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

check() {
  node --input-type=module -e '
    const tf = await import("@tensorflow/tfjs");
    await import("tfjs-node-native");
    if (!(await tf.setBackend("tensorflow"))) throw new Error("setBackend(tensorflow) returned false");
    const y = tf.conv2d(tf.ones([1, 8, 8, 3]), tf.ones([3, 3, 3, 4]), 1, "same");
    const s = (await tf.sum(y).data())[0];
    if (s !== (6 * 6 * 27 + 4 * 6 * 18 + 4 * 12) * 4) throw new Error("wrong conv sum " + s);
    console.log("native-tf: tensorflow backend loads and computes (TensorFlow " + tf.backend().binding.TF_Version + ")");
  '
}

if [ ! -f "$pkg/package.json" ]; then
  echo "native-tf: $pkg is missing: run npm ci first (package.json declares tfjs-node-native)" >&2
  exit 1
fi
if [ $check_only = 1 ]; then check; exit; fi
for tool in make g++ python3; do
  command -v $tool >/dev/null 2>&1 || { echo "native-tf: $tool is needed (Debian: apt-get install make g++ python3)" >&2; exit 1; }
done

deps=$pkg/deps
rm -rf "$deps"
mkdir -p "$deps/lib" "$deps/include"
if [ -n "$libtf" ]; then
  [ -d "$libtf/lib" ] && [ -d "$libtf/include" ] || { echo "native-tf: $libtf needs lib/ and include/ (an unpacked libtensorflow tarball)" >&2; exit 1; }
  cp -a "$libtf/include/." "$deps/include/"
  cp -a "$libtf/lib/." "$deps/lib/"
else
  if [ -z "$wheel" ]; then
    mkdir -p "$cache"
    wheel=$(ls "$cache"/tensorflow_cpu-"$version"-*.whl 2>/dev/null | head -1 || true)
    if [ -z "$wheel" ]; then
      echo "native-tf: pip download --no-deps tensorflow-cpu==$version -> $cache"
      python3 -m pip download -q --retries 1 --no-deps --only-binary=:all: -d "$cache" "tensorflow-cpu==$version"
      wheel=$(ls "$cache"/tensorflow_cpu-"$version"-*.whl | head -1)
    fi
  fi
  echo "native-tf: unpacking $(basename "$wheel")"
  python3 - "$wheel" "$deps" <<'PY'
import os, re, shutil, sys, zipfile
wheel, deps = sys.argv[1], sys.argv[2]
libs = {"tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2"}
headers = re.compile(r"^tensorflow/include/(tensorflow/c/.*|tensorflow/core/platform/ctstring.*|tsl/platform/ctstring.*|xla/tsl/c/.*)$")
found = set()
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.endswith("/"):
            continue
        m = headers.match(name)
        if name in libs:
            dest = os.path.join(deps, "lib", os.path.basename(name))
            found.add(name)
        elif m:
            dest = os.path.join(deps, "include", m.group(1))
        else:
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with z.open(name) as src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
missing = libs - found
if missing:
    sys.exit(f"native-tf: {wheel} has no {', '.join(sorted(missing))}: not a TensorFlow 2.x Linux wheel")
PY
  ln -sf libtensorflow_cc.so.2 "$deps/lib/libtensorflow.so"
  ln -sf libtensorflow_framework.so.2 "$deps/lib/libtensorflow_framework.so"
fi
[ -e "$deps/lib/libtensorflow.so" ] || { echo "native-tf: no libtensorflow.so in $deps/lib" >&2; exit 1; }
[ -f "$deps/include/tensorflow/c/c_api.h" ] || { echo "native-tf: no tensorflow/c/c_api.h in $deps/include" >&2; exit 1; }
# tfjs-node's own install script skips its download when this file exists.
touch "$deps/lib/libtensorflow.so.2.9.1"

echo "native-tf: building the binding (node-gyp)"
cd "$pkg"
nodedir=()
[ -f /usr/include/node/node_api.h ] && nodedir=(--nodedir=/usr)
"$root/node_modules/.bin/node-pre-gyp" install --build-from-source "${nodedir[@]}" >"$pkg/native-tf-build.log" 2>&1 || {
  tail -30 "$pkg/native-tf-build.log" >&2
  echo "native-tf: node-gyp build failed; full log: $pkg/native-tf-build.log" >&2
  exit 1
}
cd "$root"
check
du -sh "$deps" | awk '{print "native-tf: deps size " $1}'
