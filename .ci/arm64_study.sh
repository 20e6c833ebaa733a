#!/usr/bin/env bash
# The tiny study on Linux aarch64 for real, on an x86-64 Debian machine: an arm64
# Debian userland (debootstrap) run under QEMU's user-mode emulation (qemu-user-static
# through binfmt_misc), with this checkout's tracked files copied in. There, the
# README's own commands: `make` builds .venv from requirements.lock (so the aarch64
# entries of the lock are installed, hash-checked), then the tiny study runs end to
# end. Prints how long each step took. `make arm64-study` runs it; it needs root
# (debootstrap, chroot, mounts) and the network (Debian's packages and PyPI), and
# takes far longer than CI allows (docs/development.md, "Linux aarch64").
#
# Usage: .ci/arm64_study.sh [FOLDER]   (default .arm64/, not committed)
# The userland is kept in FOLDER/rootfs and reused; the checkout is copied anew each run.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/packages.sh

folder="$(realpath -m "${1:-.arm64}")"
rootfs="$folder/rootfs"
checkout=/work/mnist-ablation

missing="$(missing_for_apt_get)"
if [ -n "$missing" ] || [ "$(id -u)" -ne 0 ]; then
    echo "arm64_study: needs root on a Debian-like system (debootstrap, chroot, mounts)${missing:+; missing: $missing}" >&2
    exit 1
fi
command -v qemu-aarch64-static >/dev/null && command -v debootstrap >/dev/null \
    && command -v update-binfmts >/dev/null \
    || install_debian_packages qemu-user-static binfmt-support debootstrap

step() {  # step NAME COMMAND...: runs it and says how long it took
    local name="$1" started=$SECONDS
    shift
    echo "arm64_study: $name ..."
    "$@"
    echo "arm64_study: $name took $((SECONDS - started)) s"
}

# aarch64 programs run through QEMU wherever they are started, in the chroot too.
[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
update-binfmts --enable qemu-aarch64

if [ ! -x "$rootfs/usr/bin/python3" ]; then
    mkdir -p "$folder"
    step "debootstrap of Debian bookworm, arm64" \
        debootstrap --arch=arm64 --variant=minbase \
        --include=python3,python3-venv,make,git,ca-certificates bookworm "$rootfs"
fi

mounted=()
cleanup() {
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[i]}" || true; done
}
trap cleanup EXIT
for target in proc dev; do
    mount --bind "/$target" "$rootfs/$target"
    mounted+=("$rootfs/$target")
done
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
# The host's certificate authorities, as the host's own pip and uv trust them (a
# network that inspects TLS has its own, which the userland's bundle lacks).
host_certificates="$(python3 -c 'import ssl; print(ssl.get_default_verify_paths().cafile or "")')"
host_certificates="${SSL_CERT_FILE:-${host_certificates:-/etc/ssl/certs/ca-certificates.crt}}"
cp "$host_certificates" "$rootfs/etc/ssl/host-certificates.crt"

rm -rf "$rootfs$checkout"
mkdir -p "$rootfs$checkout"
git ls-files -z | tar --null -T - -c | tar -x -C "$rootfs$checkout"

in_arm64() {
    chroot "$rootfs" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 \
        SSL_CERT_FILE=/etc/ssl/host-certificates.crt PIP_CERT=/etc/ssl/host-certificates.crt \
        bash -c "cd $checkout && $1"
}
echo "arm64_study: $(in_arm64 'uname -m; python3 --version' | tr '\n' ' ')"
step "make .venv (requirements.lock)" in_arm64 "make .venv/.installed"
in_arm64 ".venv/bin/python -c 'import importlib.metadata as m, platform; \
print(\"arm64_study: TensorFlow\", m.version(\"tensorflow\"), \"on\", platform.machine())'"
step "the tiny study" in_arm64 ".venv/bin/snakemake --directory .test --cores 2"
in_arm64 ".venv/bin/snakemake --directory .test --cores 2 -n" | tail -n 3
in_arm64 "cat .test/results/mnist/findings.csv"
