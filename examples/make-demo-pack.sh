#!/usr/bin/env bash
# Builds examples/demo-pack/ with GnuPG from the THROWAWAY keys in
# examples/demo-keys/. Those keys are public test material: their secret
# parts are committed on purpose and protect nothing.
#
#   examples/make-demo-pack.sh            rebuild the pack from the committed keys
#   examples/make-demo-pack.sh --new-keys generate new throwaway keys first
#
# Signatures are made at fixed (faked) times, so a rebuild from the same keys
# gives byte-identical files.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
keys="$here/demo-keys"
pack="$here/demo-pack"
export GNUPGHOME=$(mktemp -d)
trap 'gpgconf --kill all >/dev/null 2>&1 || true; rm -rf "$GNUPGHOME"' EXIT
gpg_() { gpg --batch --quiet --yes --no-tty --pinentry-mode loopback --passphrase '' "$@"; }
at() { local t=$1; shift; gpg_ --faked-system-time "$t!" "$@"; }
fpr_of() { gpg --batch --with-colons --fingerprint "$1" | awk -F: '/^fpr/ {print $10; exit}'; }

if [[ "${1:-}" == "--new-keys" ]]; then
  rm -rf "$keys"; mkdir -p "$keys"
  at 20250101T000000 --quick-gen-key 'Demo Project Master Signing Key (THROWAWAY DEMO KEY)' rsa4096 cert never
  at 20250101T000100 --quick-gen-key 'Alice Example (Demo Security Team, THROWAWAY) <alice@demo.invalid>' rsa4096 sign never
  at 20250101T000200 --quick-gen-key 'Bob Example (Demo Security Team, THROWAWAY) <bob@demo.invalid>' ed25519 sign never
  at 20250101T000300 --quick-gen-key 'Demo Release Signing Key (THROWAWAY) <release@demo.invalid>' ed25519 sign never
  at 20250101T000400 --quick-gen-key 'Demo Security Team (THROWAWAY) <security@demo.invalid>' ed25519 sign never
  sec=$(fpr_of security@demo.invalid)
  at 20250101T000400 --quick-add-key "$sec" cv25519 encr never
  for who in 'Master Signing' alice@ bob@ release@ security@; do
    f=$(fpr_of "$who"); n=$(echo "$who" | tr -cd 'a-zA-Z' | tr 'A-Z' 'a-z')
    gpg_ --armor --export-secret-keys "$f" > "$keys/THROWAWAY-$n.secret.asc"
  done
fi

for f in "$keys"/THROWAWAY-*.secret.asc; do gpg_ --import "$f"; done
master=$(fpr_of 'Master Signing'); alice=$(fpr_of alice@); bob=$(fpr_of bob@)
release=$(fpr_of release@); security=$(fpr_of security@)

# The master key certifies every project key.
for k in "$alice" "$bob" "$release" "$security"; do
  at 20250102T000000 -u "$master" --quick-sign-key "$k"
done

rm -rf "$pack"
mkdir -p "$pack"/{keys/master-key,keys/security-team,keys/release-keys,QSBs,canaries,digests,tracker}
gpg_ --armor --export "$master" > "$pack/keys/master-key/demo-master-signing-key.asc"
gpg_ --armor --export "$alice" > "$pack/keys/security-team/alice-demo-security-team-key.asc"
gpg_ --armor --export "$bob" > "$pack/keys/security-team/bob-demo-security-team-key.asc"
gpg_ --armor --export "$security" > "$pack/keys/security-team/demo-security-team-email-key.asc"
gpg_ --armor --export "$release" > "$pack/keys/release-keys/demo-release-signing-key.asc"
cp -r "$here/demo-content/." "$pack/"
sed -i "s/@MASTER_FPR@/$(echo "$master" | sed 's/\(....\)/\1 /g; s/ $//')/" "$pack/canaries/canary-001-2026.txt"

sign_doc() { # time file signer-name fpr
  at "$1" -u "$4" --armor --detach-sign --digest-algo SHA256 -o "$2.sig.$3" "$2"
}
# secpack.toml counts for verifiers only when signed by as many team members
# as its strictest threshold (two here).
for doc in "$pack"/secpack.toml "$pack"/QSBs/qsb-0*.txt "$pack"/canaries/canary-0*.txt; do
  sign_doc 20260301T120000 "$doc" alice "$alice"
  sign_doc 20260301T130000 "$doc" bob "$bob"
done
digests="$pack/digests/Demo-1.0-x86_64.iso.DIGESTS"
at 20260215T100000 -u "$release" --clearsign --digest-algo SHA256 -o "$digests" "$here/demo-content-digests.txt"
echo "demo pack written to $pack"
echo "master key fingerprint: $master"
