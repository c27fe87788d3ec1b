//! One GnuPG home shared by threads: a key made on one thread must never
//! make another thread's export come back empty (gpg exits 0 when it
//! exports nothing, which once failed CI as "Malformed Cert: No data").

use secpack_testsupport::{Gpg, T_KEYS};

#[test]
fn exports_stay_whole_while_another_thread_makes_keys() {
    let gpg = Gpg::new();
    let first = gpg.generate(
        T_KEYS,
        "First <first@test.invalid>",
        "ed25519",
        "sign",
        "never",
    );
    std::thread::scope(|s| {
        let maker = s.spawn(|| {
            for i in 0..8 {
                gpg.generate(
                    T_KEYS,
                    &format!("Other {i} <other{i}@test.invalid>"),
                    "ed25519",
                    "sign",
                    "never",
                );
            }
        });
        let mut exports = 0;
        while !maker.is_finished() || exports < 20 {
            let secret = gpg.export_secret(&first);
            assert!(
                secret.starts_with(b"-----BEGIN PGP PRIVATE KEY BLOCK-----"),
                "export {exports} came back as {:?}",
                String::from_utf8_lossy(&secret)
            );
            let public = gpg.export(&first);
            assert!(public.starts_with(b"-----BEGIN PGP PUBLIC KEY BLOCK-----"));
            exports += 1;
        }
        maker.join().unwrap();
    });
}
