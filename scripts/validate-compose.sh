#!/usr/bin/env bash
# Checks docker-compose.yml without a Docker engine: installs Debian's
# docker-compose if it is missing, then lets it parse and resolve the file.
# Needs root (or sudo) for apt-get the first time.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v docker-compose >/dev/null 2>&1; then
	sudo=""
	if [[ $(id -u) -ne 0 ]]; then
		sudo="sudo"
	fi
	echo "validate-compose: installing docker-compose with apt-get" >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq docker-compose >/dev/null
fi

cd "$root"
docker-compose version 2>/dev/null | head -n 1 || true
docker-compose -f docker-compose.yml config -q
echo "validate-compose: docker-compose.yml is valid"
