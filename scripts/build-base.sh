#!/usr/bin/env bash
# Build the base image every profile image starts from, from Debian's own packages (no container registry).
#
#   scripts/build-base.sh            # prints the tag: localhost/fastsim-base:bookworm-<SNAPSHOT>
#
# mmdebstrap installs Debian 12 (bookworm) with Python 3.11 and the few tools the images need into a
# tarball, `podman import` turns it into an image, and the profile Dockerfiles take it as their BASE_IMAGE.
# The package versions are pinned by one date: the apt sources are snapshot.debian.org at SNAPSHOT, which
# never changes. Where snapshot.debian.org cannot be reached, the build says so and uses the live mirror
# (MIRROR, deb.debian.org): the base is then tagged bookworm-live and holds that day's bookworm point
# release, and its label fastsim.base.source records the date. Idempotent: nothing is built when the tag
# exists (`podman rmi localhost/fastsim-base:bookworm-live` to refresh a live base).
set -euo pipefail

SNAPSHOT="${SNAPSHOT:-20261130T030000Z}"
MIRROR="${MIRROR:-http://deb.debian.org}"
REPOSITORY=localhost/fastsim-base

# Debian packages of the base: Python and venv, TLS roots, tini as PID 1, git and less for the notebook
# user, g++ for the data-free Geant4 physics library, and the terminal profile's shell tools. One base for
# all five images: a node stores and pulls these layers once.
PACKAGES=python3,python3-venv,ca-certificates,tini,git,less,g++,curl,jq,nano,openssh-client,unzip,bash-completion

log() { echo "build-base: $*" >&2; }

snapshot="http://snapshot.debian.org/archive"
if curl --silent --fail --max-time 20 --output /dev/null "$snapshot/debian/$SNAPSHOT/dists/bookworm/Release"; then
  TAG="$REPOSITORY:bookworm-$SNAPSHOT"
  debian="$snapshot/debian/$SNAPSHOT" security="$snapshot/debian-security/$SNAPSHOT"
  source="snapshot.debian.org $SNAPSHOT"
  # snapshot Release files are past their Valid-Until date by design
  aptopt=(--aptopt='Acquire::Check-Valid-Until "false"')
else
  TAG="$REPOSITORY:bookworm-live"
  debian="$MIRROR/debian" security="$MIRROR/debian-security"
  source="$MIRROR $(date -u +%Y%m%dT%H%M%SZ)"
  aptopt=()
fi

if podman image exists "$TAG"; then
  log "$TAG exists ($(podman image inspect --format '{{index .Labels "fastsim.base.source"}}' "$TAG"))"
  echo "$TAG"
  exit 0
fi
[ "${aptopt[*]}" ] || log "snapshot.debian.org is not reachable: building $TAG from the live mirror $MIRROR"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Timestamps in the tarball come from SOURCE_DATE_EPOCH (mmdebstrap's reproducible mode).
SOURCE_DATE_EPOCH="$(date -u -d "${SNAPSHOT:0:8} ${SNAPSHOT:9:2}:${SNAPSHOT:11:2}:${SNAPSHOT:13:2}" +%s)" \
mmdebstrap --quiet --variant=apt --include="$PACKAGES" "${aptopt[@]}" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook='chroot "$1" useradd --create-home --uid 1000 --gid 100 --shell /bin/bash jovyan' \
  bookworm "$work/base.tar" \
  "deb $debian bookworm main" "deb $debian bookworm-updates main" "deb $security bookworm-security main"

podman import --quiet \
  --change 'ENV LANG=C.UTF-8' \
  --change "LABEL fastsim.base.source=\"$source\"" \
  --change "LABEL fastsim.base.packages=\"$PACKAGES\"" \
  --change 'CMD ["/bin/bash"]' \
  "$work/base.tar" "$TAG" >/dev/null
log "$TAG from $source ($(podman image inspect --format '{{.Id}}' "$TAG" | cut -c1-12))"
echo "$TAG"
