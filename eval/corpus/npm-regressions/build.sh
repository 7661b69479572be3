#!/usr/bin/env bash
# Rebuilds one case's repository (repo.bundle) of this corpus from the npm registry: a git repository
# with two commits — base = the release before the culprit, culprit = the release that introduced the
# regression — holding only the files the case needs. Commit dates and authors are fixed, so the
# commit ids (named in case.toml) come out the same on every machine.
#
#   ./build.sh CASE_DIR PACKAGE BASE_VERSION CULPRIT_VERSION FILE...
#   ./build.sh qs-6.13.2-robustness-refactor qs 6.13.1 6.13.2 lib/parse.js lib/utils.js package.json
set -euo pipefail
case_dir=$1 package=$2 base=$3 culprit=$4
shift 4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GIT_AUTHOR_NAME="npm registry" GIT_AUTHOR_EMAIL="registry@npmjs.invalid"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
export GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z"
unpack() { # version → $work/<version>/package
  mkdir -p "$work/$1"
  (cd "$work/$1" && tar xzf "$(npm pack "$package@$1" --silent | tail -1)")
}
unpack "$base"
unpack "$culprit"
repo="$work/repo"
git init -q -b main "$repo"
for version in "$base" "$culprit"; do
  for file in "$@"; do
    mkdir -p "$repo/$(dirname "$file")"
    cp "$work/$version/package/$file" "$repo/$file"
  done
  git -C "$repo" add -A
  git -C "$repo" -c commit.gpgsign=false commit -q -m "$package $version (from the npm registry)"
done
git -C "$repo" bundle create -q "$(cd "$(dirname "$0")" && pwd)/$case_dir/repo.bundle" main
echo "base    $(git -C "$repo" rev-parse HEAD~1)"
echo "culprit $(git -C "$repo" rev-parse HEAD)"
