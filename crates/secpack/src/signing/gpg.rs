//! Signing with the user's own GnuPG: the secret key stays in gpg (its
//! agent, keyring or smartcard), and secpack checks what gpg made.

use std::ffi::OsStr;
use std::io::Write;
use std::process::{Command, Stdio};

use sequoia_openpgp as openpgp;

use openpgp::cert::Cert;
use openpgp::parse::stream::{
    DetachedVerifierBuilder, MessageLayer, MessageStructure, VerificationHelper, VerifierBuilder,
};
use openpgp::parse::Parse;
use openpgp::policy::StandardPolicy;

use super::{Framing, SigningError};

/// Signs `data` with the user's own GnuPG (`gpg` is the program to run,
/// normally `gpg`) and the key `fingerprint`: `gpg --batch --armor
/// --detach-sign` or `--clearsign`, as `framing` says, the data on its
/// standard input. Returns the armoured result; gpg's own message on failure.
pub fn sign_with_gpg(
    gpg: &OsStr,
    fingerprint: &str,
    data: &[u8],
    framing: Framing,
) -> Result<String, SigningError> {
    let failed = |why: String| SigningError::GpgFailed(fingerprint.to_string(), why);
    let mode = match framing {
        Framing::Detached => "--detach-sign",
        Framing::Cleartext => "--clearsign",
    };
    let mut child = Command::new(gpg)
        .args(["--batch", "--armor", mode, "--output", "-"])
        // gpg picks the key's signing subkey, as it would for the member.
        .args(["--local-user", fingerprint])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("running {}: {e}", gpg.to_string_lossy())))?;
    // Written from another thread: gpg may write before it has read all.
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let out = std::thread::scope(|s| {
        let writer = s.spawn(move || stdin.write_all(data));
        let out = child.wait_with_output();
        // A write error (gpg quit early) shows in gpg's status and message.
        let _ = writer.join();
        out
    })
    .map_err(|e| failed(format!("running {}: {e}", gpg.to_string_lossy())))?;
    if !out.status.success() {
        // gpg's message, one sentence: its lines joined with "; " (a line
        // break would be shown escaped, as `\n`, by the CLI).
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        return Err(failed(lines.join("; ")));
    }
    String::from_utf8(out.stdout)
        .map_err(|_| failed("gpg wrote a signature that is not ASCII armour".into()))
}

/// Checks that `signature` (framed as `framing` says) is a good signature
/// of `data` by a key of `cert` under the standard policy, and, for a
/// clear-signed text, that the text it frames is `data`. What gpg makes is
/// checked so: a key gpg holds but the pack's copy of `cert` lacks (a newer
/// subkey) would make a signature nobody can verify.
pub fn check_made_by(
    cert: &Cert,
    data: &[u8],
    signature: &[u8],
    framing: Framing,
) -> Result<(), SigningError> {
    let policy = StandardPolicy::new();
    let fpr = cert.fingerprint().to_hex();
    let bad = |why: String| {
        SigningError::GpgFailed(
            fpr.clone(),
            format!(
                "the signature gpg made does not verify with the pack's copy of the key: {why}"
            ),
        )
    };
    let helper = OneCert(cert.clone());
    match framing {
        Framing::Detached => {
            let mut v = DetachedVerifierBuilder::from_bytes(signature)
                .and_then(|b| b.with_policy(&policy, None, helper))
                .map_err(|e| bad(e.to_string()))?;
            v.verify_bytes(data).map_err(|e| bad(e.to_string()))
        }
        Framing::Cleartext => {
            let mut v = VerifierBuilder::from_bytes(signature)
                .and_then(|b| b.with_policy(&policy, None, helper))
                .map_err(|e| bad(e.to_string()))?;
            let mut text = Vec::new();
            std::io::copy(&mut v, &mut text).map_err(|e| bad(e.to_string()))?;
            // The cleartext framework does not sign the last line break.
            if text.trim_ascii_end() != data.trim_ascii_end() {
                return Err(bad("the text it frames is not the text given".into()));
            }
            Ok(())
        }
    }
}

/// A verification helper that knows one certificate and accepts a message
/// only when a signature of every signature group is good.
pub(crate) struct OneCert(pub(crate) Cert);

impl VerificationHelper for OneCert {
    fn get_certs(&mut self, _: &[openpgp::KeyHandle]) -> openpgp::Result<Vec<Cert>> {
        Ok(vec![self.0.clone()])
    }
    fn check(&mut self, structure: MessageStructure) -> openpgp::Result<()> {
        let mut signed = false;
        for layer in structure {
            if let MessageLayer::SignatureGroup { results } = layer {
                if !results.iter().any(|r| r.is_ok()) {
                    return Err(openpgp::Error::BadSignature("no good signature".into()).into());
                }
                signed = true;
            }
        }
        match signed {
            true => Ok(()),
            false => Err(openpgp::Error::BadSignature("no signature".into()).into()),
        }
    }
}
