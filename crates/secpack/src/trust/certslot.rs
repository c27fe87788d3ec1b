//! A key entry's certificate: parsed from the key file, or kept as the
//! bytes an authenticated keyring cache entry holds ([`super::keycache`])
//! and parsed only when something first needs it.
//!
//! A run that takes its keyring and its signatures' judgements from the
//! caches needs none of the certificates; one that judges a new signature
//! needs only its signer's. Reading back sixty certificates with years of
//! signatures each costs a warm run more than everything else it does.

use std::ops::Range;
use std::sync::{Arc, OnceLock};

use sequoia_openpgp::parse::Parse;
use sequoia_openpgp::{Cert, Fingerprint, KeyID};

/// The certificate of a key entry, if it has one.
#[derive(Debug, Clone, Default)]
pub(super) struct CertSlot {
    cert: OnceLock<Option<Cert>>,
    stored: Option<Stored>,
}

/// A certificate kept as bytes, with what indexing it needs.
#[derive(Debug, Clone)]
struct Stored {
    /// The cache entry's certificate bytes, shared by every slot.
    blob: Arc<[u8]>,
    /// Where this certificate lies in them.
    range: Range<usize>,
    /// Its primary fingerprint.
    fingerprint: Fingerprint,
    /// The key IDs of its primary key and subkeys.
    keyids: Vec<KeyID>,
}

impl CertSlot {
    /// A slot holding `cert` (or none).
    pub(super) fn parsed(cert: Option<Cert>) -> Self {
        Self {
            cert: OnceLock::from(cert),
            stored: None,
        }
    }

    /// A slot for the certificate at `range` of `blob`, authenticated bytes
    /// written by this secpack, whose primary fingerprint and key IDs are
    /// `fingerprint` and `keyids`.
    pub(super) fn stored(
        blob: Arc<[u8]>,
        range: Range<usize>,
        fingerprint: Fingerprint,
        keyids: Vec<KeyID>,
    ) -> Self {
        Self {
            cert: OnceLock::new(),
            stored: Some(Stored {
                blob,
                range,
                fingerprint,
                keyids,
            }),
        }
    }

    /// Whether the entry has a certificate (without parsing it).
    pub(super) fn is_some(&self) -> bool {
        match self.cert.get() {
            Some(c) => c.is_some(),
            None => self.stored.is_some(),
        }
    }

    /// The certificate, parsed now if it was kept as bytes. Bytes that do
    /// not read back as the certificate they were stored for (which the
    /// authentication code makes a bug, not an attack) give none, with a
    /// warning: the key is then missing, and nothing it signed is valid.
    pub(super) fn get(&self) -> Option<&Cert> {
        self.cert
            .get_or_init(|| self.stored.as_ref().and_then(Stored::parse))
            .as_ref()
    }

    /// The primary fingerprint and the key IDs of every key (without parsing
    /// a kept certificate).
    pub(super) fn keys(&self) -> Option<(Fingerprint, Vec<KeyID>)> {
        if let (None, Some(s)) = (self.cert.get(), &self.stored) {
            return Some((s.fingerprint.clone(), s.keyids.clone()));
        }
        self.get()
            .map(|c| (c.fingerprint(), c.keys().map(|k| k.keyid()).collect()))
    }

    /// Takes the certificate out (parsing it if kept), leaving none.
    pub(super) fn take(&mut self) -> Option<Cert> {
        self.get();
        self.stored = None;
        self.cert.take().flatten()
    }
}

impl Stored {
    /// The certificate, its self-signatures checked once here (answered by
    /// the signature cache when warm) rather than in every copy of it handed
    /// to a verifier.
    fn parse(&self) -> Option<Cert> {
        let cert = self
            .blob
            .get(self.range.clone())
            .and_then(|bytes| Cert::from_bytes(bytes).ok())
            .filter(|c| c.fingerprint() == self.fingerprint);
        match &cert {
            Some(c) => c.bad_signatures().for_each(drop),
            None => tracing::warn!(
                "the cached certificate of {} does not read back; the key is left out",
                self.fingerprint
            ),
        }
        cert
    }
}
