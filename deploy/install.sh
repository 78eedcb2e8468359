#!/usr/bin/env bash
# Install squadtime's home on a Raspberry Pi OS (64-bit) machine. Run as root, once:
#
#   sudo deploy/install.sh [--ssh-key FILE] [--token-file FILE]
#
#   --ssh-key FILE     public key allowed to deploy (ssh squadtime@pi), e.g. ~/.ssh/id_ed25519.pub
#   --token-file FILE  copy the bot's token from FILE (otherwise it is asked for on a terminal)
#
# It installs the system packages, makes the bot's user and its directories, the tools
# environment that installs each release (uv, pinned by deploy/tools.lock, hash-checked),
# the settings file and the token file (mode 0600), and the systemd unit, which waits
# for the clock to be synchronised at boot and starts only once a release is deployed.
# Releases then come from your computer: squadtime-admin deploy --host squadtime@<pi>.
# Running it again is safe: what exists is kept (the token file is never overwritten).
set -euo pipefail

user=squadtime
home=/opt/squadtime
data=/var/lib/squadtime
logs=/var/log/squadtime
config=/etc/squadtime
env_file=$config/squadtime.env
token_file=$config/token
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# openssl: the offline demo's emulated voice gateway makes its TLS certificate with it
packages=(python3 python3-venv espeak-ng ffmpeg libopus0 sqlite3 openssh-server openssl)

say() { printf '[install] %s\n' "$*" >&2; }
die() { printf '[install] error: %s\n' "$*" >&2; exit 1; }

ssh_key=""
token_source=""
while (($#)); do
    case "$1" in
        --ssh-key) ssh_key="${2:?--ssh-key needs a file}"; shift 2 ;;
        --token-file) token_source="${2:?--token-file needs a file}"; shift 2 ;;
        -h|--help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done
# Discord's voice calls are end-to-end encrypted (DAVE); nextcord's voice extra encrypts
# with dave.py, which ships wheels for 64-bit ARM and x86-64 only. The system's programs
# decide, not the kernel: a 32-bit Raspberry Pi OS on a Pi 4 or 5 runs a 64-bit kernel
# (uname -m: aarch64) under an armhf userland that no wheel fits.
arch="$(dpkg --print-architecture 2>/dev/null || uname -m)"
case "$arch" in
    arm64|aarch64|amd64|x86_64) ;;
    *) die "this system is $arch (its kernel: $(uname -m)): squadtime needs a 64-bit ARM" \
           "(arm64) or x86-64 system, because its voice encryption library (dave.py) exists" \
           "for no other; on a Raspberry Pi, install the 64-bit Raspberry Pi OS (a Pi 3, 4" \
           "or 5)" ;;
esac
((EUID == 0)) || die "run as root (sudo $0)"
[[ -z "$ssh_key" || -r "$ssh_key" ]] || die "cannot read the SSH key $ssh_key"
[[ -z "$token_source" || -r "$token_source" ]] || die "cannot read the token file $token_source"

say "installing system packages: ${packages[*]}"
DEBIAN_FRONTEND=noninteractive apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null

python="${SQUADTIME_PYTHON:-python3}"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 12))' \
    || die "$python is older than 3.12: use Raspberry Pi OS based on Debian 13 (trixie), or set SQUADTIME_PYTHON"

if ! id "$user" >/dev/null 2>&1; then
    say "creating the user $user"
    useradd --system --home-dir "$home" --create-home --shell /bin/bash --user-group "$user"
fi
install -d -m 0750 -o "$user" -g "$user" "$home" "$home/releases"
install -d -m 0700 -o "$user" -g "$user" "$data" "$logs"
install -d -m 0750 -o root -g "$user" "$config"

# Each release gets its own venv at deploy, exactly as its requirements.lock says; what
# makes them is uv, in a small environment of its own (pip installs it, hashes checked).
if [[ ! -x "$home/tools/bin/python" ]]; then
    say "making the tools environment $home/tools"
    runuser -u "$user" -- "$python" -m venv "$home/tools"
fi
say "installing uv into $home/tools (deploy/tools.lock)"
install -m 0644 "$here/tools.lock" "$home/tools/tools.lock"
runuser -u "$user" -- "$home/tools/bin/python" -m pip install -q --disable-pip-version-check \
    --require-hashes --no-deps -r "$home/tools/tools.lock"

if [[ ! -f "$env_file" ]]; then
    say "writing $env_file"
    install -m 0640 -o root -g "$user" /dev/null "$env_file"
    cat >"$env_file" <<SETTINGS
# squadtime's settings (read by the systemd unit and by squadtime-admin over SSH).
# A test bot and the production bot differ only by the token file named here.
SQUADTIME_RUNTIME_DIR=/run/squadtime
SQUADTIME_DATA_DIR=$data
SQUADTIME_LOG_DIR=$logs
SQUADTIME_LOG_LEVEL=INFO
DISCORD_TOKEN_FILE=$token_file
SETTINGS
fi

if [[ ! -s "$token_file" ]]; then
    install -m 0600 -o "$user" -g "$user" /dev/null "$token_file"
    if [[ -n "$token_source" ]]; then
        cat "$token_source" >"$token_file"
    elif [[ -t 0 ]]; then
        read -r -s -p "Discord bot token (not shown): " token
        printf '\n' >&2
        printf '%s\n' "$token" >"$token_file"
        unset token
    else
        say "no token yet: write it to $token_file (mode 0600, owner $user)"
    fi
fi
chmod 0600 "$token_file"
chown "$user:$user" "$token_file"

if [[ -n "$ssh_key" ]]; then
    install -d -m 0700 -o "$user" -g "$user" "$home/.ssh"
    keys="$home/.ssh/authorized_keys"
    touch "$keys"
    grep -qxF "$(cat "$ssh_key")" "$keys" || cat "$ssh_key" >>"$keys"
    chown "$user:$user" "$keys"
    chmod 0600 "$keys"
fi

# Logs: supervisord rotates every program's log itself (5 MB, 3 old files each), so the
# SD card never fills; systemd's journal keeps only supervisord's own start-up lines.
say "installing the systemd unit"
install -m 0644 "$here/squadtime.service" /etc/systemd/system/squadtime.service
# systemd not running (an image prepared in a chroot): enabling still works, offline.
booted=false
[[ -d /run/systemd/system ]] && booted=true
"$booted" && systemctl daemon-reload
# At boot the unit waits for time-sync.target; this service is what holds that target
# until systemd-timesyncd has really set the clock (a Pi has no battery-backed clock).
if systemctl list-unit-files systemd-time-wait-sync.service >/dev/null 2>&1; then
    systemctl enable systemd-time-wait-sync.service >/dev/null 2>&1 || true
else
    say "no systemd-time-wait-sync here: the bot may start before the clock is set"
fi
# Enabled now, it starts at boot only once a release is deployed (ConditionPathExists).
systemctl enable squadtime.service >/dev/null
if [[ -e "$home/current" ]] && "$booted"; then
    systemctl restart squadtime.service
    say "squadtime restarted"
else
    say "ready: from your computer, run 'squadtime-admin deploy --host $user@$(hostname)',"
    say "then here: 'sudo systemctl start squadtime'"
fi
