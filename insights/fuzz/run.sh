#!/usr/bin/env bash
# Runs every cargo-fuzz target of the insights crate (parse, eval, filter_pattern) for SECONDS each
# (default 20).
# Works on the stable toolchain: `-s none` turns off the sanitizer (the only part that needs
# nightly); coverage instrumentation uses stable `-C` flags.
# Installs cargo-fuzz (pinned) into ~/.cargo/bin when it is missing.
set -euo pipefail
SECS="${1:-20}"
cd "$(dirname "$0")"
CARGO_FUZZ_VERSION=0.13.1
if ! command -v cargo-fuzz >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo-fuzz" ]; then
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi
export PATH="$HOME/.cargo/bin:$PATH"
for target in $(cargo fuzz list); do
  mkdir -p "corpus/$target"
  # A target with its own seed directory (seeds_<target>/) starts from it; the others share seeds/.
  seeds=seeds
  if [ -d "seeds_$target" ]; then seeds="seeds_$target"; fi
  echo "fuzzing $target for ${SECS}s"
  cargo fuzz run -s none "$target" "corpus/$target" "$seeds" -- -max_total_time="$SECS" -max_len=512
done
echo "fuzz: all targets ran ${SECS}s without a failure"
