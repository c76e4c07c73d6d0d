#!/usr/bin/env bash
# Pushes the provider and mix documents (providers/*.json, mixes/*.json) to SSM Parameter Store as String
# parameters <prefix>/providers/<name> and <prefix>/mixes/<name>, and prints each new version.
# Idempotent: a parameter that already holds the same text is left alone, so versions (and the labels on
# them) move only when a document changed.
#
# Usage: infra/push-documents.sh <prefix> [documents-dir]
#   infra/push-documents.sh /moa/prod            # pushes the documents next to this script
# The AWS CLI's own settings apply: AWS_PROFILE or credentials, AWS_REGION, AWS_ENDPOINT_URL (moto, LocalStack).
set -euo pipefail

prefix="${1:?usage: $0 <prefix, e.g. /moa/prod> [documents-dir]}"
dir="${2:-$(cd "$(dirname "$0")" && pwd)}"
prefix="${prefix%/}"
case "$prefix" in
  /?*) ;;
  *) echo "the prefix is a parameter path such as /moa/prod" >&2; exit 2 ;;
esac

errors="$(mktemp)"
trap 'rm -f "$errors"' EXIT
pushed=0
unchanged=0
for kind in providers mixes; do
  for file in "$dir/$kind"/*.json; do
    [ -e "$file" ] || continue
    parameter="$prefix/$kind/$(basename "$file" .json)"
    if current="$(aws ssm get-parameter --name "$parameter" --with-decryption \
                    --query Parameter.Value --output text 2>"$errors")"; then
      # $(...) drops trailing newlines on both sides, so a file's final newline is no change.
      if [ "$current" = "$(cat "$file")" ]; then
        echo "$parameter: unchanged"
        unchanged=$((unchanged + 1))
        continue
      fi
    elif ! grep -q ParameterNotFound "$errors"; then
      cat "$errors" >&2
      exit 1
    fi
    version="$(aws ssm put-parameter --name "$parameter" --type String --overwrite \
                 --value "file://$file" --query Version --output text)"
    echo "$parameter: version $version"
    pushed=$((pushed + 1))
  done
done
echo "$pushed pushed, $unchanged unchanged"
