#!/usr/bin/env bash
# Build and check the studio's image with podman on a machine that has no image registry
# (only Debian's package mirror), as run for README.md, "Deploying for a class".
#
#   deploy/podman_image.sh base     # python:3.11-slim and debian:bookworm-slim from Debian's packages
#   deploy/podman_image.sh build    # the studio image (Dockerfile) and the nginx image (compose)
#   deploy/podman_image.sh check    # run the image on loopback: health "ok" and a Playground that plays
#   deploy/podman_image.sh compose  # docker-compose.yml: two replicas + nginx, one replica killed
#   deploy/podman_image.sh all      # the four in turn
#   FORCE=1 deploy/podman_image.sh base   # make the base images again
#
# Needs root, podman, runc and debootstrap (apt-get install podman runc debootstrap), and for
# `compose` podman-compose (pip install podman-compose; COMPOSE=path/to/podman-compose).
# Where Docker Hub is reachable none of `base` is needed: `docker compose up -d` builds the same.
set -euo pipefail
cd "$(dirname "$0")/.."

ROOTFS=${ROOTFS:-/var/tmp/studio-rootfs}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
PYTHON_IMAGE=docker.io/library/python:3.11-slim
DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim
COMPOSE=${COMPOSE:-podman-compose}
PY=${PY:-.venv/bin/python}

# podman's defaults that fail in this sandbox, for every podman call of the script and of
# podman-compose: crun cannot create the container's cgroup here (runc can), and the
# machine's open-file and process limits are above what a container may be given. The
# builds use the host's network, the only one a container gets here.
CONF_DIR=$(mktemp -d)
trap 'rm -rf "$CONF_DIR"' EXIT
cat >"$CONF_DIR/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "host"
[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF="$CONF_DIR/containers.conf"
PODMAN=(podman --runtime runc)
LIMITS=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

base() {
    if [ -z "${FORCE:-}" ] && podman image exists "$PYTHON_IMAGE" \
        && podman image exists "$DEBIAN_IMAGE"; then
        echo "base images present: $PYTHON_IMAGE, $DEBIAN_IMAGE"
        return
    fi
    rm -rf "$ROOTFS"
    debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR"
    # debian:bookworm-slim is this bare root (the nginx image of docker-compose.yml starts
    # from it); python:3.11-slim adds Debian's Python 3.11 and pip to it.
    tar -C "$ROOTFS" -c . | podman import \
        --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' - "$DEBIAN_IMAGE"
    chroot "$ROOTFS" apt-get update
    chroot "$ROOTFS" env DEBIAN_FRONTEND=noninteractive apt-get install -y \
        --no-install-recommends python3 python3-pip python3-venv ca-certificates
    chroot "$ROOTFS" apt-get clean
    rm -rf "$ROOTFS"/var/lib/apt/lists/*
    # The official image has `python` and `pip`, and pip installs into its Python.
    ln -sf python3 "$ROOTFS/usr/bin/python"
    ln -sf pip3 "$ROOTFS/usr/bin/pip"
    rm -f "$ROOTFS"/usr/lib/python3.11/EXTERNALLY-MANAGED
    # This machine reaches PyPI through its own pip settings and certificate authorities
    # (pip.conf names the system's bundle, which must then hold the machine's own CAs).
    if [ -f /etc/pip.conf ]; then cp /etc/pip.conf "$ROOTFS/etc/pip.conf"; fi
    if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "$ROOTFS/usr/local/share/ca-certificates/"
        chroot "$ROOTFS" update-ca-certificates
    fi
    tar -C "$ROOTFS" -c . | podman import \
        --change 'CMD ["python3"]' --change 'ENV LANG=C.UTF-8' - "$PYTHON_IMAGE"
    rm -rf "$ROOTFS"
    podman images
}

build() {
    "${PODMAN[@]}" build --format docker --network host "${LIMITS[@]}" -t studio .
    "${PODMAN[@]}" build --format docker --network host "${LIMITS[@]}" -t studio-nginx -f deploy/nginx.Dockerfile deploy
}

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

check() {
    # The image's own command, on a loopback port: the host's network is the container's,
    # so the address and port come from Streamlit's environment variables.
    local port name=studio-check
    port=$(free_port)
    "${PODMAN[@]}" rm -f "$name" >/dev/null 2>&1 || true
    "${PODMAN[@]}" run -d --name "$name" --network host "${LIMITS[@]}" \
        -e STREAMLIT_SERVER_ADDRESS=127.0.0.1 -e STREAMLIT_SERVER_PORT="$port" studio >/dev/null
    local rc=0
    "$PY" deploy/check_image.py "http://127.0.0.1:$port" || rc=$?
    # The image's HEALTHCHECK (podman runs it here on demand: no systemd timers).
    if "${PODMAN[@]}" healthcheck run "$name"; then
        echo "[PASS] the image's HEALTHCHECK passes"
    else
        echo "[FAIL] the image's HEALTHCHECK fails"
        rc=1
    fi
    echo "image: $("${PODMAN[@]}" image inspect studio --format '{{.Id}} {{.Size}}')"
    "${PODMAN[@]}" logs "$name" 2>&1 | tail -5
    "${PODMAN[@]}" rm -f "$name" >/dev/null
    return "$rc"
}

compose() {
    local rc=0
    "$COMPOSE" -f docker-compose.yml up -d --no-build || rc=$?
    if [ "$rc" = 0 ]; then
        "$PY" deploy/check_replicas.py --manage none --url http://127.0.0.1:8080/ --ports 8501,8502 || rc=$?
    fi
    "$COMPOSE" -f docker-compose.yml down -t 10 || true
    return "$rc"
}

case "${1:-all}" in
    base) base ;;
    build) build ;;
    check) check ;;
    compose) compose ;;
    all) base && build && check && compose ;;
    *) echo "usage: $0 [base|build|check|compose|all]" >&2; exit 2 ;;
esac
