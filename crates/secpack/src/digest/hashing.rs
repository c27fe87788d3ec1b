//! Several digests of one large file, computed in a single read.
//!
//! The calling thread reads the input into large buffers and shares each,
//! behind an [`Arc`], with one hashing thread per algorithm through bounded
//! channels: the file is read once, the algorithms run in parallel, and
//! memory stays bounded (at most [`QUEUE_DEPTH`] + 2 buffers per algorithm
//! in flight). The last thread done with a buffer hands it back for reuse.
//!
//! Hashing uses OpenSSL, the fastest implementation measured on x86-64 for
//! all four algorithms (`bench/DIGEST-RESULTS.md`).

use std::io::Read;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;

use super::Algorithm;
use crate::error::{Coded, ErrorClass};

/// Hashing a stream failed: it could not be read, or OpenSSL refused.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// The input could not be read.
    #[error("reading the input")]
    Read(#[source] std::io::Error),
    /// OpenSSL failed to start, feed or finish a digest.
    #[error("{action} {algorithm}")]
    OpenSsl {
        /// `starting`, `hashing with`, `finishing`.
        action: &'static str,
        /// The algorithm.
        algorithm: Algorithm,
        /// OpenSSL's errors.
        #[source]
        source: openssl::error::ErrorStack,
    },
    /// A hashing thread panicked.
    #[error("a hashing thread panicked")]
    Panicked,
}

impl Coded for HashError {
    fn code(&self) -> &'static str {
        match self {
            Self::Read(_) => "io",
            Self::OpenSsl { .. } | Self::Panicked => "hashing-failed",
        }
    }
    fn class(&self) -> ErrorClass {
        match self {
            Self::Read(_) => ErrorClass::Io,
            Self::OpenSsl { .. } | Self::Panicked => ErrorClass::Failure,
        }
    }
}

/// Size of one read buffer.
pub const CHUNK_BYTES: usize = 2 << 20;
/// Buffers queued per hashing thread before the reader waits.
pub const QUEUE_DEPTH: usize = 4;

/// The digest of one algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Computed {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// The digest, lower-case hex.
    pub hex: String,
}

/// Reads `input` to its end once and returns the digest of every algorithm
/// in `algorithms` (duplicates computed once, in [`Algorithm::ALL`] order)
/// and the number of bytes read. `progress` is called with the byte count of
/// every buffer read.
pub fn hash_reader(
    mut input: impl Read,
    algorithms: &[Algorithm],
    progress: &dyn Fn(u64),
) -> Result<(Vec<Computed>, u64), HashError> {
    let mut wanted: Vec<Algorithm> = algorithms.to_vec();
    wanted.sort();
    wanted.dedup();
    let (recycle_tx, recycle_rx) = sync_channel::<Vec<u8>>(QUEUE_DEPTH + 1);
    std::thread::scope(|scope| {
        let mut senders = Vec::new();
        let mut workers = Vec::new();
        for &algorithm in &wanted {
            let (tx, rx) = sync_channel::<Arc<Vec<u8>>>(QUEUE_DEPTH);
            let recycle = recycle_tx.clone();
            senders.push(tx);
            workers.push(scope.spawn(move || hash_chunks(algorithm, rx, recycle)));
        }
        drop(recycle_tx);
        let read = read_chunks(&mut input, &senders, &recycle_rx, progress);
        drop(senders);
        let mut computed = Vec::new();
        for worker in workers {
            let result = worker.join().map_err(|_| HashError::Panicked)?;
            computed.push(result?);
        }
        Ok((computed, read?))
    })
}

/// The reader: fills buffers and sends each to every hashing thread.
fn read_chunks(
    input: &mut impl Read,
    senders: &[SyncSender<Arc<Vec<u8>>>],
    recycled: &Receiver<Vec<u8>>,
    progress: &dyn Fn(u64),
) -> Result<u64, HashError> {
    let mut total = 0u64;
    loop {
        let mut buf = recycled
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK_BYTES));
        buf.clear();
        let n = input
            .by_ref()
            .take(CHUNK_BYTES as u64)
            .read_to_end(&mut buf)
            .map_err(HashError::Read)?;
        if n == 0 {
            return Ok(total);
        }
        total += n as u64;
        let chunk = Arc::new(buf);
        for tx in senders {
            // A closed channel means that thread failed; it reports why.
            let _ = tx.send(Arc::clone(&chunk));
        }
        drop(chunk);
        progress(n as u64);
    }
}

/// One hashing thread.
fn hash_chunks(
    algorithm: Algorithm,
    chunks: Receiver<Arc<Vec<u8>>>,
    recycle: SyncSender<Vec<u8>>,
) -> Result<Computed, HashError> {
    let failed = |action| {
        move |source| HashError::OpenSsl {
            action,
            algorithm,
            source,
        }
    };
    let mut hasher =
        openssl::hash::Hasher::new(algorithm.message_digest()).map_err(failed("starting"))?;
    for chunk in chunks {
        hasher.update(&chunk).map_err(failed("hashing with"))?;
        if let Some(buf) = Arc::into_inner(chunk) {
            let _ = recycle.try_send(buf);
        }
    }
    let digest = hasher.finish().map_err(failed("finishing"))?;
    Ok(Computed {
        algorithm,
        hex: to_hex(&digest),
    })
}

/// SHA-256 of `bytes` in lower-case hex (OpenSSL's implementation, as for
/// release digests).
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&openssl::sha::sha256(bytes))
}

/// SHA-512 of `bytes` in lower-case hex.
pub fn sha512_hex(bytes: &[u8]) -> String {
    to_hex(&openssl::sha::sha512(bytes))
}

/// Lower-case hex of `bytes`: the one hex rule of the library.
pub fn to_hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    // Known answers from FIPS 180-4 and RFC 1321 for "abc".
    const ABC: [(Algorithm, &str); 4] = [
        (Algorithm::Md5, "900150983cd24fb0d6963f7d28e17f72"),
        (Algorithm::Sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (
            Algorithm::Sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        ),
        (
            Algorithm::Sha512,
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
    ];

    #[test]
    fn known_answers() {
        let (got, n) = hash_reader(&b"abc"[..], &Algorithm::ALL, &|_| {}).unwrap();
        assert_eq!(n, 3);
        let got: Vec<_> = got.iter().map(|c| (c.algorithm, c.hex.as_str())).collect();
        assert_eq!(got, ABC);
    }

    #[test]
    fn many_chunks_equal_one_pass_and_progress_adds_up() {
        // Not a multiple of the chunk size; bytes vary so misordered chunks
        // would show.
        let len = CHUNK_BYTES * 3 + 12_345;
        let data: Vec<u8> = (0..len).map(|i| (i * 7 + i / 4093) as u8).collect();
        let seen = Cell::new(0u64);
        let (got, n) = hash_reader(
            &data[..],
            &[Algorithm::Sha512, Algorithm::Md5, Algorithm::Sha512],
            &|k| seen.set(seen.get() + k),
        )
        .unwrap();
        assert_eq!((n, seen.get()), (len as u64, len as u64));
        let expect = |md| to_hex(&openssl::hash::hash(md, &data).unwrap());
        assert_eq!(
            got,
            [
                Computed {
                    algorithm: Algorithm::Md5,
                    hex: expect(openssl::hash::MessageDigest::md5())
                },
                Computed {
                    algorithm: Algorithm::Sha512,
                    hex: expect(openssl::hash::MessageDigest::sha512())
                },
            ]
        );
    }

    #[test]
    fn read_errors_are_reported() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0 == 0 {
                    return Err(std::io::Error::other("disk on fire"));
                }
                let n = buf.len().min(self.0);
                self.0 -= n;
                Ok(n)
            }
        }
        let e = hash_reader(Failing(CHUNK_BYTES + 10), &Algorithm::ALL, &|_| {}).unwrap_err();
        assert!(
            matches!(&e, HashError::Read(io) if io.to_string() == "disk on fire"),
            "{e:?}"
        );
        assert_eq!((e.code(), e.class()), ("io", ErrorClass::Io));
    }
}
