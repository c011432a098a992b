#!/usr/bin/env bash
# Regenerates cl100k_corpus.jsonl and cl100k_subset.tiktoken beside this script with
# js-tiktoken (npm, pinned), installed into a temporary directory. Needs node >= 18 and npm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null 2>&1
npm install --silent --no-audit --no-fund js-tiktoken@1.0.21 >/dev/null 2>&1
cp "$here/make_cl100k_fixtures.mjs" .
node make_cl100k_fixtures.mjs "$here"
