#!/usr/bin/env bash
# Builds the lab's arm64 kernel Image from Debian's linux-source tarball: allnoconfig + the lab fragment (merged with
# merge_config.sh -m) + olddefconfig + `make Image`. Called by scripts/lab/lab.ts with the cache directory to fill;
# the result appears atomically (built in a scratch directory, renamed at the end), so an interrupted build leaves no Image.
# Usage: build-kernel.sh SOURCE_TARBALL FRAGMENT OUT_DIR [JOBS]
set -euo pipefail

src_tar=$1 fragment=$2 out=$3 jobs=${4:-$(nproc)}
[ -f "$src_tar" ] || { echo "build-kernel: no source tarball $src_tar" >&2; exit 1; }
[ -f "$fragment" ] || { echo "build-kernel: no fragment $fragment" >&2; exit 1; }
fragment=$(realpath "$fragment")

scratch="$out.tmp.$$"
rm -rf "$scratch"
mkdir -p "$scratch"
trap 'rm -rf "$scratch"' EXIT

log() { printf '[lab:kernel] %s\n' "$*" >&2; }
t0=$(date +%s)

log "unpacking $(basename "$src_tar")"
tar -xf "$src_tar" -C "$scratch"
tree=$(find "$scratch" -mindepth 1 -maxdepth 1 -type d | head -1)
log "unpacked in $(( $(date +%s) - t0 )) s"

export ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-
build="$scratch/build"
mkdir -p "$build"
make -C "$tree" O="$build" -s allnoconfig
(cd "$tree" && KCONFIG_CONFIG="$build/.config" scripts/kconfig/merge_config.sh -m -O "$build" "$build/.config" "$fragment") >"$scratch/merge.log" 2>&1 \
  || { cat "$scratch/merge.log" >&2; exit 1; }
make -C "$tree" O="$build" -s olddefconfig

# Say which fragment lines did not survive olddefconfig (missing dependency or a symbol this version lacks).
missing=0
while IFS= read -r line; do
  case "$line" in CONFIG_*=*) ;; *) continue ;; esac
  if ! grep -qxF "$line" "$build/.config"; then
    log "note: $line did not stick (got: $(grep -E "^(# )?${line%%=*}[= ]" "$build/.config" || echo 'absent'))"
    missing=$((missing + 1))
  fi
done < "$fragment"

log "make -j$jobs Image"
t1=$(date +%s)
make -C "$tree" O="$build" -j"$jobs" -s Image >"$scratch/make.log" 2>&1 || { tail -40 "$scratch/make.log" >&2; exit 1; }
log "Image built in $(( $(date +%s) - t1 )) s ($missing fragment line(s) did not stick)"

mkdir -p "$scratch/result"
cp "$build/arch/arm64/boot/Image" "$scratch/result/Image"
cp "$build/.config" "$scratch/result/config"
printf '{"buildSeconds":%d,"unstuck":%d}\n' "$(( $(date +%s) - t0 ))" "$missing" > "$scratch/result/build.json"
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$scratch/result" "$out"
log "done in $(( $(date +%s) - t0 )) s: $out/Image"
