//! Request heads judged before hyper parses them, so that a malformed or
//! oversized request gets an answer with the security headers.
//!
//! hyper answers a request head it cannot parse (a bad request line, a bad
//! header, headers too large) on its own, with a bare `400` or `431` that
//! never reaches the router and so carries none of the headers
//! [`crate::hardening`] adds, and hyper has no setting to change that
//! answer. So every connection reads through a [`GuardedStream`]: it hands
//! hyper a request head only once the whole head is in and passes the same
//! checks hyper makes (the same `httparse` parser and settings, at most
//! [`MAX_HEADERS`] header lines, then the method, the target, and the
//! `Content-Length` and `Transfer-Encoding` rules), within
//! [`MAX_HEAD_BYTES`], far below hyper's own limit. It follows each body
//! (by length, or chunk by chunk) to know where the next head starts.
//!
//! A head that fails is never handed over: hyper sees the connection end
//! where that head starts, answers what it is still answering, and shuts
//! the connection down; the stream then writes its own answer (`400`,
//! `413`, `414` or `431`, with the security headers and `Connection:
//! close`), reads what the client still sends for a moment so that the
//! answer is not lost to a reset, and closes. A head is judged only when
//! hyper asks for it (hyper reads the next request once it has answered the
//! previous one), so a refusal follows every earlier answer.
//!
//! What hyper still writes itself: the interim `100 Continue` (no page a
//! browser renders), and nothing else, unless a head passes these checks
//! and hyper refuses it anyway, which would be a bug here.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode, Uri};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Largest request head (request line and headers) accepted, in bytes.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;

/// Most header lines in a request (hyper's own limit).
pub const MAX_HEADERS: usize = 100;

/// Longest target hyper takes (its `MAX_URI_LEN`).
const MAX_TARGET_BYTES: usize = (u16::MAX - 1) as usize;

/// Longest body length hyper takes (its `DecodedLength::MAX_LEN`).
const MAX_BODY_LENGTH: u64 = u64::MAX - 2;

/// Bytes read from the client at a time.
const READ_CHUNK: usize = 8 * 1024;

/// After a refusal, how long and how much of what the client still sends is
/// read and dropped before the connection is closed.
const LINGER_TIME: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 1 << 20;

/// A client stream whose request heads are judged before hyper reads them.
#[derive(Debug)]
pub struct GuardedStream<S> {
    inner: S,
    /// Bytes read from the client and not yet judged.
    pending: Buffer,
    /// How far `pending` was searched for the end of a head.
    searched: usize,
    /// Bytes judged and not yet handed to hyper.
    ready: Buffer,
    state: State,
    /// The client ended its side.
    client_done: bool,
    /// The answer to a refused head, written when hyper shuts down.
    refusal: Option<Refusal>,
}

#[derive(Debug)]
enum State {
    /// At the start of a request.
    Head,
    /// In a body of known length: this many bytes to go.
    Length(u64),
    /// In a chunked body.
    Chunked(Chunked),
    /// Where the next head starts is unknown (a body hyper refuses and
    /// closes the connection on): the bytes go on as they are.
    Opaque,
    /// Hyper sees the end of the stream.
    End,
}

#[derive(Debug)]
struct Refusal {
    answer: Vec<u8>,
    written: usize,
    linger: Option<(Pin<Box<tokio::time::Sleep>>, usize)>,
    done: bool,
}

impl<S> GuardedStream<S> {
    /// Guards `inner`.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            pending: Buffer::default(),
            searched: 0,
            ready: Buffer::default(),
            state: State::Head,
            client_done: false,
            refusal: None,
        }
    }

    /// Moves the first `n` pending bytes to those hyper may read.
    fn pass(&mut self, n: usize) {
        self.ready.extend(&self.pending.as_slice()[..n]);
        self.pending.consume(n);
        self.searched = 0;
    }

    /// Judges what is pending; false when nothing could be decided without
    /// more bytes.
    fn advance(&mut self) -> bool {
        if self.pending.is_empty() {
            return false;
        }
        match &mut self.state {
            State::Head => {
                let bytes = self.pending.as_slice();
                // Parse only once the end of the head may be in (as hyper
                // does), or when there is too much to be a head.
                let from = self.searched.saturating_sub(3);
                let complete = may_end_head(&bytes[from..]);
                self.searched = bytes.len();
                if !complete && bytes.len() <= MAX_HEAD_BYTES {
                    return false;
                }
                match judge_head(bytes) {
                    Judgement::Incomplete if bytes.len() <= MAX_HEAD_BYTES => false,
                    Judgement::Incomplete => {
                        let line_ends = bytes[..MAX_HEAD_BYTES].contains(&b'\n');
                        self.refuse(if line_ends {
                            Problem::HeadTooLarge
                        } else {
                            Problem::TargetTooLong
                        });
                        true
                    }
                    Judgement::Refused(problem) => {
                        self.refuse(problem);
                        true
                    }
                    Judgement::Head { len, body } => {
                        self.pass(len);
                        self.state = match body {
                            Body::Length(0) => State::Head,
                            Body::Length(n) => State::Length(n),
                            Body::Chunked => State::Chunked(Chunked::default()),
                        };
                        true
                    }
                }
            }
            State::Length(left) => {
                let n = usize::try_from(*left)
                    .unwrap_or(usize::MAX)
                    .min(self.pending.len());
                *left -= n as u64;
                if *left == 0 {
                    self.state = State::Head;
                }
                self.pass(n);
                true
            }
            State::Chunked(chunked) => {
                let (n, scan) = chunked.scan(self.pending.as_slice());
                match scan {
                    Scan::More => {}
                    Scan::Done => self.state = State::Head,
                    Scan::Broken => self.state = State::Opaque,
                }
                self.pass(n);
                true
            }
            State::Opaque => {
                self.pass(self.pending.len());
                true
            }
            State::End => false,
        }
    }

    fn refuse(&mut self, problem: Problem) {
        tracing::debug!("refusing a request head: {problem:?}");
        self.state = State::End;
        self.pending = Buffer::default();
        self.refusal = Some(Refusal {
            answer: refusal_answer(problem),
            written: 0,
            linger: None,
            done: false,
        });
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for GuardedStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            if !this.ready.is_empty() {
                let n = this.ready.len().min(buf.remaining());
                buf.put_slice(&this.ready.as_slice()[..n]);
                this.ready.consume(n);
                return Poll::Ready(Ok(()));
            }
            if matches!(this.state, State::End) {
                return Poll::Ready(Ok(()));
            }
            if this.advance() {
                continue;
            }
            if this.client_done {
                // What is left is an incomplete message: hyper gets it as it
                // is and closes the connection without an answer.
                let rest = this.pending.len();
                this.pass(rest);
                this.state = State::End;
                continue;
            }
            let mut chunk = [0u8; READ_CHUNK];
            let mut read = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            match read.filled() {
                [] => this.client_done = true,
                bytes => this.pending.extend(bytes),
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for GuardedStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    /// Writes the answer to a refused head, if any, before shutting down,
    /// then reads what the client still sends for a moment.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let Some(refusal) = this.refusal.as_mut() else {
            return Pin::new(&mut this.inner).poll_shutdown(cx);
        };
        if refusal.done {
            return Poll::Ready(Ok(()));
        }
        while refusal.written < refusal.answer.len() {
            let n = ready!(
                Pin::new(&mut this.inner).poll_write(cx, &refusal.answer[refusal.written..])
            )?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            refusal.written += n;
        }
        if refusal.linger.is_none() {
            ready!(Pin::new(&mut this.inner).poll_flush(cx))?;
            ready!(Pin::new(&mut this.inner).poll_shutdown(cx))?;
            refusal.linger = Some((Box::pin(tokio::time::sleep(LINGER_TIME)), 0));
        }
        let (deadline, drained) = refusal.linger.as_mut().expect("set above");
        while !this.client_done && *drained < LINGER_BYTES {
            if deadline.as_mut().poll(cx).is_ready() {
                break;
            }
            let mut chunk = [0u8; READ_CHUNK];
            let mut read = ReadBuf::new(&mut chunk);
            match ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read)) {
                Ok(()) if !read.filled().is_empty() => *drained += read.filled().len(),
                _ => this.client_done = true,
            }
        }
        refusal.done = true;
        Poll::Ready(Ok(()))
    }
}

/// Whether `bytes` hold an empty line (the end of a head): `\n\n` or
/// `\n\r\n`.
fn may_end_head(bytes: &[u8]) -> bool {
    bytes
        .windows(2)
        .enumerate()
        .any(|(i, w)| w == b"\n\n" || (w == b"\n\r" && bytes.get(i + 2) == Some(&b'\n')))
}

/// Why a head is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Problem {
    Malformed,
    HeadTooLarge,
    TargetTooLong,
    BodyTooLarge,
}

/// How a request's body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    Length(u64),
    Chunked,
}

#[derive(Debug, PartialEq, Eq)]
enum Judgement {
    Incomplete,
    Refused(Problem),
    Head { len: usize, body: Body },
}

/// Judges the head at the start of `bytes` as hyper's server would parse it
/// (hyper 1.x `proto::h1::role::Server::parse`), a little stricter: within
/// [`MAX_HEAD_BYTES`].
fn judge_head(bytes: &[u8]) -> Judgement {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let len = match request.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Judgement::Incomplete,
        Err(httparse::Error::TooManyHeaders) => return Judgement::Refused(Problem::HeadTooLarge),
        Err(_) => return Judgement::Refused(Problem::Malformed),
    };
    if len > MAX_HEAD_BYTES {
        return Judgement::Refused(Problem::HeadTooLarge);
    }
    match judge_fields(&request) {
        Ok(body) => Judgement::Head { len, body },
        Err(problem) => Judgement::Refused(problem),
    }
}

fn judge_fields(request: &httparse::Request<'_, '_>) -> Result<Body, Problem> {
    let (Some(method), Some(target), Some(version)) =
        (request.method, request.path, request.version)
    else {
        return Err(Problem::Malformed);
    };
    if target.len() > MAX_TARGET_BYTES {
        return Err(Problem::TargetTooLong);
    }
    Method::from_bytes(method.as_bytes()).map_err(|_| Problem::Malformed)?;
    Uri::try_from(target.as_bytes()).map_err(|_| Problem::Malformed)?;
    let http_11 = version == 1;
    let mut length: Option<u64> = None;
    let mut transfer_encoding = false;
    let mut chunked = false;
    for field in request.headers.iter() {
        let name = HeaderName::from_bytes(field.name.as_bytes()).map_err(|_| Problem::Malformed)?;
        if name == header::TRANSFER_ENCODING {
            if !http_11 {
                return Err(Problem::Malformed);
            }
            transfer_encoding = true;
            length = None;
            // The last encoding of the last such field must be `chunked`.
            chunked = HeaderValue::from_bytes(field.value)
                .ok()
                .and_then(|v| {
                    v.to_str().ok().map(|s| {
                        s.rsplit(',')
                            .next()
                            .is_some_and(|e| e.trim().eq_ignore_ascii_case("chunked"))
                    })
                })
                .unwrap_or(false);
        } else if name == header::CONTENT_LENGTH {
            if transfer_encoding {
                continue;
            }
            let n = digits(field.value).ok_or(Problem::Malformed)?;
            match length {
                Some(previous) if previous != n => return Err(Problem::Malformed),
                Some(_) => {}
                None if n > MAX_BODY_LENGTH => return Err(Problem::BodyTooLarge),
                None => length = Some(n),
            }
        }
    }
    match (transfer_encoding, chunked) {
        (true, true) => Ok(Body::Chunked),
        (true, false) => Err(Problem::Malformed),
        (false, _) => Ok(Body::Length(length.unwrap_or(0))),
    }
}

/// A `Content-Length` value: ASCII digits only, no sign, no overflow.
fn digits(value: &[u8]) -> Option<u64> {
    if value.is_empty() {
        return None;
    }
    value.iter().try_fold(0u64, |n, &b| match b {
        b'0'..=b'9' => n.checked_mul(10)?.checked_add(u64::from(b - b'0')),
        _ => None,
    })
}

/// Where a chunked body is, byte by byte, as hyper's decoder reads it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum ChunkState {
    #[default]
    Start,
    Size,
    SizeLws,
    Extension,
    SizeLf,
    Data,
    DataCr,
    DataLf,
    Trailer,
    TrailerLf,
    EndCr,
    EndLf,
}

#[derive(Debug, Default)]
struct Chunked {
    state: ChunkState,
    size: u64,
}

#[derive(Debug, PartialEq, Eq)]
enum Scan {
    /// The body goes on past these bytes.
    More,
    /// The body ends after the bytes counted.
    Done,
    /// Not a chunked body from the bytes counted on.
    Broken,
}

impl Chunked {
    /// Follows the body through `bytes`: how many of them belong to it, and
    /// whether it ended or broke there.
    fn scan(&mut self, bytes: &[u8]) -> (usize, Scan) {
        use ChunkState::*;
        let mut i = 0;
        while i < bytes.len() {
            if self.state == Data {
                let n = usize::try_from(self.size)
                    .unwrap_or(usize::MAX)
                    .min(bytes.len() - i);
                self.size -= n as u64;
                i += n;
                if self.size == 0 {
                    self.state = DataCr;
                }
                continue;
            }
            let b = bytes[i];
            let next = match (self.state, b) {
                (Start | Size, b) if b.is_ascii_hexdigit() => {
                    let digit = u64::from((b as char).to_digit(16).unwrap_or(0));
                    match self.size.checked_mul(16).and_then(|s| s.checked_add(digit)) {
                        Some(size) => self.size = size,
                        None => return (i, Scan::Broken),
                    }
                    Some(Size)
                }
                (Size | SizeLws, b'\t' | b' ') => Some(SizeLws),
                (Size | SizeLws, b';') => Some(Extension),
                (Size | SizeLws | Extension, b'\r') => Some(SizeLf),
                (Extension, b'\n') => None,
                (Extension, _) => Some(Extension),
                (SizeLf, b'\n') if self.size == 0 => Some(EndCr),
                (SizeLf, b'\n') => Some(Data),
                (DataCr, b'\r') => Some(DataLf),
                (DataLf, b'\n') => Some(Start),
                (EndCr, b'\r') => Some(EndLf),
                (Trailer, b'\r') => Some(TrailerLf),
                (EndCr | Trailer, _) => Some(Trailer),
                (TrailerLf, b'\n') => Some(EndCr),
                (EndLf, b'\n') => {
                    *self = Chunked::default();
                    return (i + 1, Scan::Done);
                }
                _ => None,
            };
            match next {
                Some(state) => self.state = state,
                None => return (i, Scan::Broken),
            }
            i += 1;
        }
        (i, Scan::More)
    }
}

/// The whole answer to a refused head: status, the security headers, a
/// small page, and the end of the connection.
fn refusal_answer(problem: Problem) -> Vec<u8> {
    let (status, code, message) = match problem {
        Problem::Malformed => (
            StatusCode::BAD_REQUEST,
            "bad-request",
            "The request could not be read as HTTP/1.1.".to_string(),
        ),
        Problem::HeadTooLarge => (
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers-too-large",
            format!(
                "The request's headers are larger than {MAX_HEAD_BYTES} bytes \
                 or more than {MAX_HEADERS} lines."
            ),
        ),
        Problem::TargetTooLong => (
            StatusCode::URI_TOO_LONG,
            "uri-too-long",
            format!("The request's address is longer than {MAX_HEAD_BYTES} bytes."),
        ),
        Problem::BodyTooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "The request's body is too large.".to_string(),
        ),
    };
    let body = crate::error::html_page("en", status, code, &message);
    let mut answer = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: text/html; charset=utf-8\r\n\
         content-length: {}\r\nconnection: close\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error"),
        body.len()
    );
    for (name, value) in crate::hardening::SECURITY_HEADERS {
        answer.push_str(&format!("{name}: {value}\r\n"));
    }
    answer.push_str("\r\n");
    answer.push_str(&body);
    answer.into_bytes()
}

/// A byte queue read from the front.
#[derive(Debug, Default)]
struct Buffer {
    data: Vec<u8>,
    start: usize,
}

impl Buffer {
    fn as_slice(&self) -> &[u8] {
        &self.data[self.start..]
    }

    fn len(&self) -> usize {
        self.data.len() - self.start
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn consume(&mut self, n: usize) {
        self.start += n;
        if self.start == self.data.len() {
            self.data.clear();
            self.start = 0;
        }
    }

    fn extend(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start >= self.data.len() / 2 {
            self.data.drain(..self.start);
            self.start = 0;
        }
        self.data.extend_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client stream that hands out `input` `step` bytes at a time, then
    /// the end; what is written to it is kept.
    struct Script {
        input: Vec<u8>,
        at: usize,
        step: usize,
        output: Vec<u8>,
    }

    impl AsyncRead for Script {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let n = self
                .step
                .min(self.input.len() - self.at)
                .min(buf.remaining());
            let at = self.at;
            buf.put_slice(&self.input[at..at + n]);
            self.at += n;
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncWrite for Script {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.output.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// What hyper would read from `input` fed `step` bytes at a time, and
    /// what the guard writes on shutdown.
    fn through(input: &[u8], step: usize) -> (Vec<u8>, String) {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(async {
                let mut guarded = GuardedStream::new(Script {
                    input: input.to_vec(),
                    at: 0,
                    step,
                    output: Vec::new(),
                });
                // Read as hyper does, into a buffer smaller than a head.
                let mut seen = Vec::new();
                std::future::poll_fn(|cx| loop {
                    let mut space = [0u8; 100];
                    let mut read = ReadBuf::new(&mut space);
                    ready!(Pin::new(&mut guarded).poll_read(cx, &mut read)).unwrap();
                    if read.filled().is_empty() {
                        return Poll::Ready(());
                    }
                    seen.extend_from_slice(read.filled());
                })
                .await;
                std::future::poll_fn(|cx| Pin::new(&mut guarded).poll_shutdown(cx))
                    .await
                    .unwrap();
                let written = String::from_utf8(guarded.inner.output).unwrap();
                (seen, written)
            })
    }

    const GET: &str = "GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n";
    const POST: &str = "POST /report/ HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world";
    const CHUNKED: &str =
        "POST /report/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n\
         5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n";

    #[test]
    fn well_formed_requests_pass_unchanged_at_any_read_size() {
        let pipelined = format!("\r\n{GET}{POST}{CHUNKED}{GET}");
        for step in [1, 2, 3, 7, 64, 8192] {
            let (seen, written) = through(pipelined.as_bytes(), step);
            assert_eq!(String::from_utf8(seen).unwrap(), pipelined, "step {step}");
            assert_eq!(written, "", "step {step}");
        }
    }

    #[test]
    fn a_bad_head_ends_the_stream_there_and_is_answered_with_the_headers() {
        for (bad, status) in [
            ("this is not http\r\n\r\n".to_string(), 400),
            ("GET / HTTP/1.1\r\nBad Header\r\n\r\n".to_string(), 400),
            ("GET / HTTP/2.0\r\n\r\n".to_string(), 400),
            ("G\x01T / HTTP/1.1\r\n\r\n".to_string(), 400),
            ("GET /\x7f HTTP/1.1\r\n\r\n".to_string(), 400),
            (
                "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n".to_string(),
                400,
            ),
            (
                "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\n".to_string(),
                400,
            ),
            (
                "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n".to_string(),
                400,
            ),
            (
                "POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\n".to_string(),
                413,
            ),
            (
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n".to_string(),
                400,
            ),
            (
                "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n".to_string(),
                400,
            ),
            (
                format!("GET / HTTP/1.1\r\n{}\r\n", "A: b\r\n".repeat(101)),
                431,
            ),
            (
                format!(
                    "GET / HTTP/1.1\r\nA: {}\r\n\r\n",
                    "b".repeat(MAX_HEAD_BYTES)
                ),
                431,
            ),
            (
                format!("GET / HTTP/1.1\r\n{}", "A: b\r\n".repeat(20_000)),
                431,
            ),
            (
                format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(2 * MAX_HEAD_BYTES)),
                414,
            ),
        ] {
            let input = format!("{GET}{CHUNKED}{bad}{GET}");
            for step in [1, 5, 8192] {
                if step == 1 && bad.len() > 1000 {
                    continue;
                }
                let (seen, written) = through(input.as_bytes(), step);
                assert_eq!(
                    String::from_utf8(seen).unwrap(),
                    format!("{GET}{CHUNKED}"),
                    "{bad:.40?} step {step}"
                );
                assert!(
                    written.starts_with(&format!("HTTP/1.1 {status} ")),
                    "{bad:.40?}: {written}"
                );
                let head = written.split("\r\n\r\n").next().unwrap();
                assert!(head.contains("\r\nconnection: close\r\n"), "{head}");
                for (name, value) in crate::hardening::SECURITY_HEADERS {
                    assert!(head.contains(&format!("\r\n{name}: {value}")), "{head}");
                }
            }
        }
    }

    #[test]
    fn a_broken_chunked_body_goes_on_unjudged() {
        let broken = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGARBAGE\r\n\r\n";
        let (seen, written) = through(broken.as_bytes(), 4);
        assert_eq!(String::from_utf8(seen).unwrap(), broken);
        assert_eq!(written, "");
    }

    #[test]
    fn an_incomplete_head_goes_to_hyper_as_it_is() {
        let partial = "GET / HTTP/1.1\r\nHost: x\r\n";
        let (seen, written) = through(partial.as_bytes(), 3);
        assert_eq!(String::from_utf8(seen).unwrap(), partial);
        assert_eq!(written, "");
    }

    #[test]
    fn chunk_scanner_follows_hyper() {
        let mut c = Chunked::default();
        assert_eq!(
            c.scan(b"A\r\n0123456789\r\n0\r\n\r\nNEXT"),
            (20, Scan::Done)
        );
        let mut c = Chunked::default();
        assert_eq!(c.scan(b"3 ; x\r\nabc\r\n0\r\n"), (15, Scan::More));
        assert_eq!(c.scan(b"T: 1\r\n\r\n"), (8, Scan::Done));
        for bad in [
            &b"\r\n"[..],
            b"g\r\n",
            b"1\nx",
            b"1;a\nx",
            b"1\r\nxy",
            b"0\r\n\rx",
        ] {
            assert_eq!(Chunked::default().scan(bad).1, Scan::Broken, "{bad:?}");
        }
        let mut c = Chunked::default();
        assert_eq!(c.scan(b"fffffffffffffffff").1, Scan::Broken, "overflow");
    }
}
