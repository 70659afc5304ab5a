#!/usr/bin/env bash
# Lints the workflow files with actionlint, built once from its Go module and cached in .cache/bin.
# tools/: scripts that build or run tools the test suite needs; they import nothing of the program.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VERSION="v1.7.12"
BIN="$PWD/.cache/bin/actionlint-$VERSION"
if [ ! -x "$BIN" ]; then
  started=$SECONDS
  mkdir -p .cache/bin .cache/actionlint-gobin
  GOBIN="$PWD/.cache/actionlint-gobin" go install "github.com/rhysd/actionlint/cmd/actionlint@$VERSION"
  mv .cache/actionlint-gobin/actionlint "$BIN"
  rmdir .cache/actionlint-gobin
  echo "actionlint $VERSION built in $((SECONDS - started)) s"
fi
# actionlint also runs shellcheck over every `run:` script when it is installed.
if ! command -v shellcheck >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck >/dev/null 2>&1 ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends shellcheck >/dev/null; }
fi
"$BIN" -no-color .github/workflows/*.yml
echo "actionlint: $(ls .github/workflows/*.yml | wc -l) workflow file(s) clean"
