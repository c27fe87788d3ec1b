//! The cryptographic policy, chosen deliberately for fifteen-year-old packs.
//!
//! Sequoia's standard policy rejects SHA-1 signatures made after 2013 and
//! SHA-1 self-signatures made after 2023. GnuPG accepts them, and real packs
//! are full of them. Switching the policy off would hide real problems
//! (MD5, tiny keys, broken algorithms), so secpack starts from the standard
//! policy, accepts exactly SHA-1 and RIPEMD-160 again, and marks every
//! signature that relies on them with the `weak-hash` warning (a failure
//! under `--strict`).

use sequoia_openpgp::policy::StandardPolicy;
use sequoia_openpgp::types::HashAlgorithm;

/// The policy secpack judges signatures with: Sequoia's standard policy plus
/// SHA-1 and RIPEMD-160, which old packs need and GnuPG accepts.
pub fn pack_policy() -> StandardPolicy<'static> {
    let mut p = StandardPolicy::new();
    p.accept_hash(HashAlgorithm::SHA1);
    p.accept_hash(HashAlgorithm::RipeMD);
    p
}

/// Whether a hash algorithm earns the `weak-hash` warning.
pub fn is_weak_hash(h: HashAlgorithm) -> bool {
    matches!(
        h,
        HashAlgorithm::SHA1 | HashAlgorithm::RipeMD | HashAlgorithm::MD5
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use sequoia_openpgp::policy::{HashAlgoSecurity, Policy};

    #[test]
    fn sha1_accepted_md5_still_rejected() {
        let p = pack_policy();
        let t = std::time::SystemTime::now();
        let sec = HashAlgoSecurity::CollisionResistance;
        // The standard policy rejects SHA-1 for collision resistance today.
        assert!(StandardPolicy::new()
            .hash_cutoff(HashAlgorithm::SHA1, sec)
            .is_some_and(|c| c < t));
        assert!(p.hash_cutoff(HashAlgorithm::SHA1, sec).is_none());
        assert!(p
            .hash_cutoff(HashAlgorithm::MD5, sec)
            .is_some_and(|c| c < t));
        assert!(is_weak_hash(HashAlgorithm::SHA1));
        assert!(!is_weak_hash(HashAlgorithm::SHA256));
        // The policy object itself is the standard one otherwise.
        let _: &dyn Policy = &p;
    }
}
