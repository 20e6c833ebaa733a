# shellcheck shell=bash
# Sourced by .ci/run: may this run install Debian packages, and how.
# Only root can, or a user with passwordless sudo: `sudo -n` never stops to ask for
# a password, it fails instead, so an unattended run never hangs on a prompt.

# Prints what is missing for apt-get installs here, or nothing when they work.
missing_for_apt_get() {
    if ! command -v apt-get >/dev/null; then
        echo "apt-get (this is not a Debian-like system)"
    elif [ "$(id -u)" -eq 0 ]; then
        return
    elif ! command -v sudo >/dev/null; then
        echo "root or passwordless sudo (you are $(id -un), without sudo)"
    elif ! sudo -n true 2>/dev/null; then
        echo "root or passwordless sudo (you are $(id -un); sudo -n true failed)"
    fi
}

# Runs a command as root: directly when we are root, otherwise through sudo -n.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo -n "$@"
    fi
}

# Installs Debian packages, or fails naming them and the fix.
install_debian_packages() {
    if ! { as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; }; then
        echo "could not apt-get install $*: see apt-get's message above; install them by hand and rerun" >&2
        return 1
    fi
}
