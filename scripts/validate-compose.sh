#!/usr/bin/env bash
# Checks docker-compose.yml without a Docker engine and without installing
# anything: tools/composecheck loads it with compose-go (the Compose
# specification's Go library, the loader docker compose uses) and checks
# what a parser cannot (bind-mounted files exist, Dockerfiles exist, images
# pinned, no host port published twice).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GOWORK=off go -C "$root/tools/composecheck" run . "$root/docker-compose.yml"
