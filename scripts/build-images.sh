#!/usr/bin/env bash
# Build the profile images with buildah (what `make images` runs), on the Debian base of build-base.sh.
#
#   scripts/build-images.sh                      # all five: standard ml-cpu ml-gpu fastsim terminal
#   scripts/build-images.sh fastsim terminal     # some of them
#
# The build context is the committed tree (`git archive HEAD`), so an image is always a commit (its label
# org.opencontainers.image.revision says which); CONTEXT=. builds the working tree instead. Layers are
# cached (`--layers`), and pip's downloads too, so a rebuild redoes only what changed.
# pip inside the build reaches the package index the way this machine does: the configuration `pip config
# list` shows (files and PIP_* variables) and the CA bundle pip uses are passed as build secrets, mounted
# only for the RUN steps that install, never written into a layer.
# Tags: $REGISTRY/<image>:$VERSION (the names config.yaml's profiles use). Prints one line per image:
# its tag, build time and size; the full build output goes to .cache/images/<image>.log.
# Options (environment): G4_DATASETS=auto|required|none (fastsim image, see its Dockerfile), REGISTRY,
# VERSION, CONTEXT.
set -euo pipefail
cd "$(dirname "$0")/.."

REGISTRY="${REGISTRY:-ghcr.io/fastsim-hub}"
VERSION="${VERSION:-0.1.0}"
G4_DATASETS="${G4_DATASETS:-auto}"
IMAGES=("$@")
[ ${#IMAGES[@]} -gt 0 ] || IMAGES=(standard ml-cpu ml-gpu fastsim terminal)
export CONTAINERS_CONF="$PWD/images/containers.conf"

log() { echo "build-images: $*" >&2; }

# --- the engine: Debian's buildah, podman (to import the base and run the tests), mmdebstrap, runc ----------
missing=()
for tool in buildah podman mmdebstrap runc; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "please install ${missing[*]} (Debian/Ubuntu: apt-get install ${missing[*]}; the build runs as root)"
    exit 2
  fi
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# --- this machine's pip configuration and CA bundle, as build secrets ---------------------------------------
# `pip config list` prints section.key='value' (":env:" for PIP_* variables): written back as an ini file,
# without the settings that name files of this machine (cert: the bundle is its own secret; find-links).
python3 -m pip config list 2>/dev/null | python3 -c '
import ast, collections, sys
sections = collections.defaultdict(dict)
for line in sys.stdin:
    name, _, value = line.strip().partition("=")
    section, _, key = name.rpartition(".")
    if key not in ("cert", "find-links", "find_links"):
        sections["global" if section == ":env:" else section][key] = ast.literal_eval(value)
for section, items in sections.items():
    print(f"[{section}]", *(f"{key} = {value}" for key, value in items.items()), sep="\n")
' >"$work/pip.conf"
cacert="$(python3 -m pip config get global.cert 2>/dev/null || true)"
cacert="${PIP_CERT:-${cacert:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}}"
[ -f "$cacert" ] || { log "CA bundle $cacert not found: set PIP_CERT to the bundle pip uses"; exit 2; }
log "pip configuration: $(tr '\n' ' ' <"$work/pip.conf")| CA bundle: $cacert"

# --- the build context ---------------------------------------------------------------------------------------
if [ -n "${CONTEXT:-}" ]; then
  context="$CONTEXT" revision="$(git rev-parse HEAD)-worktree"
else
  context="$work/context" revision="$(git rev-parse HEAD)"
  mkdir "$context"
  git archive HEAD | tar -x -C "$context"
  # git archive stamps every file with the commit's time, and buildah's layer cache keys COPY on file times
  # too: one fixed time keeps a layer cached until its files' contents change.
  find "$context" -exec touch --no-dereference --date=@0 {} +
fi

base="$(bash scripts/build-base.sh)"
logs=.cache/images
mkdir -p "$logs"

for image in "${IMAGES[@]}"; do
  if [ -f "images/$image/Dockerfile" ]; then
    dockerfile="images/$image/Dockerfile" args=()
  elif [ -f "images/$image/requirements.txt" ]; then
    dockerfile=images/Dockerfile args=(--build-arg "PROFILE=$image")
  else
    log "unknown image '$image': expected a folder of images/ (standard, ml-cpu, ml-gpu, fastsim, terminal)"
    exit 2
  fi
  [ "$image" != fastsim ] || args+=(--build-arg "G4_DATASETS=$G4_DATASETS")
  tag="$REGISTRY/$image:$VERSION"
  start=$SECONDS
  buildah bud --layers --pull=never --file "$context/$dockerfile" --tag "$tag" \
    --build-arg "BASE_IMAGE=$base" "${args[@]}" \
    --secret "id=pipconf,src=$work/pip.conf" --secret "id=cacert,src=$cacert" \
    --label "org.opencontainers.image.revision=$revision" \
    "$context" >"$logs/$image.log" 2>&1 || { tail -40 "$logs/$image.log" >&2; log "$tag failed: $logs/$image.log"; exit 1; }
  size="$(podman image inspect --format '{{.Size}}' "$tag")"
  awk -v tag="$tag" -v s=$((SECONDS - start)) -v size="$size" 'BEGIN { printf "%-40s %5d s %6.2f GB\n", tag, s, size / 1e9 }'
done
