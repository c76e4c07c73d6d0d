#!/usr/bin/env bash
# Creates a client key for the function's API. Prints the key once, on standard output; stores only its
# SHA-256 hex, as the String parameter <prefix>/client-keys/<name>, so the key itself is kept nowhere and
# cannot be recovered. Fails (and prints no key) when a key of that name exists.
# Revoke a key by deleting its parameter; warm instances stop accepting it within MOA_STORE_TTL.
#
# With limits (docs/limits.md) the parameter holds a key document instead of the bare hash:
#   {"sha256": "<hex>", "rpm": 60, "budget_usd": {"day": 5, "month": 100}, "mixes": ["paper-moa", "coding*"]}
#
# Usage: infra/create-client-key.sh <prefix> <name> [--rpm N] [--tpm N] [--max-cost-per-request USD]
#                                   [--day-budget USD] [--month-budget USD] [--mixes NAME,PATTERN*,...]
#   infra/create-client-key.sh /moa/prod alice
#   infra/create-client-key.sh /moa/prod ci-bot --rpm 60 --month-budget 100 --mixes 'paper-moa,coding*'
# The AWS CLI's own settings apply: AWS_PROFILE or credentials, AWS_REGION, AWS_ENDPOINT_URL (moto, LocalStack).
set -euo pipefail

usage="usage: $0 <prefix, e.g. /moa/prod> <name, e.g. alice> [--rpm N] [--tpm N] [--max-cost-per-request USD] [--day-budget USD] [--month-budget USD] [--mixes a,b*]"
prefix="${1:?$usage}"
name="${2:?$usage}"
shift 2
limits=""
budget=""
whole() { case "$2" in ''|*[!0-9]*|0) echo "$1 takes a whole number of at least 1" >&2; exit 2 ;; esac; }
dollars() { case "$2" in ''|.|*[!0-9.]*|*.*.*|.*|*.) echo "$1 takes an amount in US dollars, e.g. 0.5" >&2; exit 2 ;; esac; }
while [ $# -gt 0 ]; do
  option="$1"; value="${2:-}"
  case "$option" in
    --rpm) whole "$option" "$value"; limits="$limits, \"rpm\": $value" ;;
    --tpm) whole "$option" "$value"; limits="$limits, \"tpm\": $value" ;;
    --max-cost-per-request) dollars "$option" "$value"; limits="$limits, \"max_cost_per_request_usd\": $value" ;;
    --day-budget) dollars "$option" "$value"; budget="$budget${budget:+, }\"day\": $value" ;;
    --month-budget) dollars "$option" "$value"; budget="$budget${budget:+, }\"month\": $value" ;;
    --mixes)
      case "$value" in ''|*[!A-Za-z0-9._*,-]*) echo "--mixes takes mix names or patterns, comma-separated" >&2; exit 2 ;; esac
      limits="$limits, \"mixes\": [\"$(printf '%s' "$value" | sed 's/,/", "/g')\"]" ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
  shift 2
done
if [ -n "$budget" ]; then
  limits="$limits, \"budget_usd\": {$budget}"
fi
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
value="$hash"
if [ -n "$limits" ]; then
  value="{\"sha256\": \"$hash\"$limits}"
fi
# Only the hash is ever on a command line.
aws ssm put-parameter --name "$prefix/client-keys/$name" --type String --value "$value" \
  --description "SHA-256 of a moa client key" --query Version --output text >/dev/null
echo "stored the SHA-256 of a new key as $prefix/client-keys/$name; the key is shown only now:" >&2
printf '%s\n' "$key"
