//! The hash algorithms digest files list.

use serde::Serialize;

/// A hash algorithm of digest files. Ordered as real packs list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// MD5 (broken; listed for old tools, never trusted alone).
    Md5,
    /// SHA-1 (broken for collisions; listed for old tools).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
}

impl Algorithm {
    /// Every algorithm, in the order digest files list them.
    pub const ALL: [Algorithm; 4] = [Self::Md5, Self::Sha1, Self::Sha256, Self::Sha512];

    /// The lower-case name (`sha256`), as in `--json` and `sha256sum`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Md5 => "md5",
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }

    /// The tag BSD-style lines use (`SHA256 (name) = hex`).
    pub fn bsd_tag(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }

    /// The length of the digest in hex digits.
    pub fn hex_len(self) -> usize {
        match self {
            Self::Md5 => 32,
            Self::Sha1 => 40,
            Self::Sha256 => 64,
            Self::Sha512 => 128,
        }
    }

    /// The algorithm whose digests have `len` hex digits.
    pub fn from_hex_len(len: usize) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.hex_len() == len)
    }

    /// The algorithm a BSD-style tag names (`SHA256`, `SHA-256`, `sha256`).
    pub fn from_bsd_tag(tag: &str) -> Option<Self> {
        let tag: String = tag
            .chars()
            .filter(|c| *c != '-')
            .collect::<String>()
            .to_ascii_uppercase();
        Self::ALL.into_iter().find(|a| a.bsd_tag() == tag)
    }

    /// The OpenSSL implementation (the fastest measured on x86-64; see
    /// `bench/DIGEST-RESULTS.md`).
    pub(crate) fn message_digest(self) -> openssl::hash::MessageDigest {
        use openssl::hash::MessageDigest;
        match self {
            Self::Md5 => MessageDigest::md5(),
            Self::Sha1 => MessageDigest::sha1(),
            Self::Sha256 => MessageDigest::sha256(),
            Self::Sha512 => MessageDigest::sha512(),
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_tags_round_trip() {
        for a in Algorithm::ALL {
            assert_eq!(Algorithm::from_hex_len(a.hex_len()), Some(a));
            assert_eq!(Algorithm::from_bsd_tag(a.bsd_tag()), Some(a));
            assert_eq!(Algorithm::from_bsd_tag(a.name()), Some(a));
        }
        assert_eq!(Algorithm::from_bsd_tag("SHA-512"), Some(Algorithm::Sha512));
        assert_eq!(Algorithm::from_hex_len(56), None);
        assert_eq!(Algorithm::from_bsd_tag("SHA224"), None);
    }
}
