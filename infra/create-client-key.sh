#!/usr/bin/env bash
# Creates a client key for the function's API. Prints the key once, on standard output; stores only its
# SHA-256 hex, as the String parameter <prefix>/client-keys/<name>, so the key itself is kept nowhere and
# cannot be recovered. Fails (and prints no key) when a key of that name exists.
# Revoke a key by deleting its parameter; warm instances stop accepting it within MOA_STORE_TTL.
#
# Usage: infra/create-client-key.sh <prefix> <name>
#   infra/create-client-key.sh /moa/prod alice
# The AWS CLI's own settings apply: AWS_PROFILE or credentials, AWS_REGION, AWS_ENDPOINT_URL (moto, LocalStack).
set -euo pipefail

usage="usage: $0 <prefix, e.g. /moa/prod> <name, e.g. alice>"
prefix="${1:?$usage}"
name="${2:?$usage}"
prefix="${prefix%/}"
case "$prefix" in
  /?*) ;;
  *) echo "the prefix is a parameter path such as /moa/prod" >&2; exit 2 ;;
esac
case "$name" in
  *[!A-Za-z0-9._-]*) echo "the name may hold letters, digits, '.', '_' and '-'" >&2; exit 2 ;;
esac

key="moa-$(head -c 32 /dev/urandom | od -An -vtx1 | tr -d ' \n')"
if command -v sha256sum >/dev/null 2>&1; then
  hash="$(printf '%s' "$key" | sha256sum | cut -d' ' -f1)"
else
  hash="$(printf '%s' "$key" | shasum -a 256 | cut -d' ' -f1)"
fi
# Only the hash is ever on a command line.
aws ssm put-parameter --name "$prefix/client-keys/$name" --type String --value "$hash" \
  --description "SHA-256 of a moa client key" --query Version --output text >/dev/null
echo "stored the SHA-256 of a new key as $prefix/client-keys/$name; the key is shown only now:" >&2
printf '%s\n' "$key"
