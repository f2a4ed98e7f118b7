//! A minimal HTTP/1.1 keep-alive client, signed with the workspace's own SigV4 signer: as little
//! client work as possible per byte and per request, so the figures measure the server.
//!
//! Bodies are sent from a borrowed block repeated to the requested length (nothing of the size
//! of the object is ever allocated); response bodies are either kept (small, XML) or counted
//! and discarded through one reused scratch buffer.

use std::io;
use std::time::{Instant, SystemTime};

use rampart_e2e::{ACCESS_KEY, REGION, SECRET_KEY};
use rampart_sigv4::{RequestParts, SigningParams, sign_request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
/// SHA-256 of the empty string: the payload hash of GET, HEAD and empty PUTs.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Response bodies are read in pieces of this size when discarded.
const SCRATCH: usize = 256 << 10;

/// A request body.
#[derive(Clone, Copy)]
pub enum Body<'a> {
    Empty,
    /// Small bodies: sent in the same write as the request head.
    Bytes(&'a [u8]),
    /// `len` bytes made of `block` repeated (the last repetition cut short).
    Repeat {
        block: &'a [u8],
        len: u64,
    },
    /// Each slice sent the given number of times, in order: a framed body (aws-chunked) made
    /// of a few prebuilt pieces, without building it whole.
    Segments(&'a [(&'a [u8], u64)]),
}

impl Body<'_> {
    fn len(&self) -> u64 {
        match self {
            Body::Empty => 0,
            Body::Bytes(b) => b.len() as u64,
            Body::Repeat { len, .. } => *len,
            Body::Segments(segments) => segments.iter().map(|(s, n)| s.len() as u64 * n).sum(),
        }
    }
}

/// What to do with a response body.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    Body,
    /// Count the bytes, keep none.
    Count,
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// The body when kept, else empty.
    pub body: Vec<u8>,
    /// Bytes of body received.
    pub body_len: u64,
    pub content_length: Option<u64>,
    /// The status line and headers, as received.
    pub head: String,
    /// When the last byte of the request was handed to the socket.
    pub sent_at: Instant,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The value of the first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.split("\r\n").skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then_some(v.trim())
        })
    }
}

enum Framing {
    Length(u64),
    Chunked,
    UntilClose,
}

pub struct Conn {
    stream: TcpStream,
    host: String,
    /// Bytes read past the current parse position.
    rbuf: Vec<u8>,
    scratch: Vec<u8>,
    closed: bool,
}

impl Conn {
    pub async fn connect(port: u16) -> io::Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            host: format!("127.0.0.1:{port}"),
            rbuf: Vec::with_capacity(16 << 10),
            scratch: vec![0; SCRATCH],
            closed: false,
        })
    }

    /// Sends one signed request (path-style; `path` and `query` already percent-encoded) and
    /// reads its response.
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        query: &str,
        payload_hash: &str,
        body: Body<'_>,
        keep: Keep,
    ) -> io::Result<Response> {
        self.send_with(method, path, query, payload_hash, &[], body, keep)
            .await
    }

    /// As [`Conn::send`], with more request headers (`headers`, names lowercase), all signed.
    #[allow(clippy::too_many_arguments)]
    pub async fn send_with(
        &mut self,
        method: &str,
        path: &str,
        query: &str,
        payload_hash: &str,
        headers: &[(&str, &str)],
        body: Body<'_>,
        keep: Keep,
    ) -> io::Result<Response> {
        if self.closed {
            return Err(io::Error::other("the server closed this connection"));
        }
        let head = self.head(method, path, query, payload_hash, headers, body.len())?;
        match body {
            Body::Empty => self.stream.write_all(&head).await?,
            Body::Bytes(bytes) => {
                let mut all = head;
                all.extend_from_slice(bytes);
                self.stream.write_all(&all).await?;
            }
            Body::Repeat { block, len } => {
                self.stream.write_all(&head).await?;
                let mut left = len;
                while left > 0 {
                    let n = left.min(block.len() as u64) as usize;
                    self.stream.write_all(&block[..n]).await?;
                    left -= n as u64;
                }
            }
            Body::Segments(segments) => {
                self.stream.write_all(&head).await?;
                for (segment, times) in segments {
                    for _ in 0..*times {
                        self.stream.write_all(segment).await?;
                    }
                }
            }
        }
        let sent_at = Instant::now();
        self.read_response(method == "HEAD", keep, sent_at).await
    }

    fn head(
        &self,
        method: &str,
        path: &str,
        query: &str,
        payload_hash: &str,
        extra: &[(&str, &str)],
        body_len: u64,
    ) -> io::Result<Vec<u8>> {
        let mut headers: Vec<(&str, &[u8])> = vec![("host", self.host.as_bytes())];
        headers.extend(extra.iter().map(|(n, v)| (*n, v.as_bytes())));
        let parts = RequestParts {
            method,
            raw_path: path,
            raw_query: query,
            headers: &headers,
        };
        let params = SigningParams {
            access_key_id: ACCESS_KEY,
            secret_access_key: SECRET_KEY,
            session_token: None,
            region: REGION,
            service: "s3",
            time: SystemTime::now(),
        };
        let signed = sign_request(&parts, payload_hash, &params).map_err(io::Error::other)?;
        let mut head = String::with_capacity(512);
        head.push_str(method);
        head.push(' ');
        head.push_str(path);
        if !query.is_empty() {
            head.push('?');
            head.push_str(query);
        }
        head.push_str(" HTTP/1.1\r\nhost: ");
        head.push_str(&self.host);
        head.push_str("\r\n");
        for (name, value) in extra {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        for (name, value) in &signed.headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        if method == "PUT" || method == "POST" || body_len > 0 {
            head.push_str(&format!("content-length: {body_len}\r\n"));
        }
        head.push_str("\r\n");
        Ok(head.into_bytes())
    }

    async fn fill(&mut self) -> io::Result<()> {
        let n = self.stream.read(&mut self.scratch).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        self.rbuf.extend_from_slice(&self.scratch[..n]);
        Ok(())
    }

    /// Reads up to and including the next CRLF; returns the line without it.
    async fn line(&mut self) -> io::Result<String> {
        loop {
            if let Some(i) = find(&self.rbuf, b"\r\n") {
                let line = String::from_utf8_lossy(&self.rbuf[..i]).into_owned();
                self.rbuf.drain(..i + 2);
                return Ok(line);
            }
            self.fill().await?;
        }
    }

    async fn read_response(
        &mut self,
        head_request: bool,
        keep: Keep,
        sent_at: Instant,
    ) -> io::Result<Response> {
        let head = loop {
            if let Some(i) = find(&self.rbuf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.rbuf[..i]).into_owned();
                self.rbuf.drain(..i + 4);
                break head;
            }
            self.fill().await?;
        };
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other(format!("bad status line in {head:?}")))?;
        let mut content_length = None;
        let mut chunked = false;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.parse().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                chunked = value.to_ascii_lowercase().contains("chunked");
            } else if name.eq_ignore_ascii_case("connection") {
                self.closed |= value.eq_ignore_ascii_case("close");
            }
        }
        let framing = if head_request || status == 204 || status == 304 {
            Framing::Length(0)
        } else if chunked {
            Framing::Chunked
        } else if let Some(len) = content_length {
            Framing::Length(len)
        } else {
            Framing::UntilClose
        };
        let mut response = Response {
            status,
            body: Vec::new(),
            body_len: 0,
            content_length,
            head,
            sent_at,
        };
        match framing {
            Framing::Length(len) => self.body_part(len, keep, &mut response).await?,
            Framing::Chunked => loop {
                let line = self.line().await?;
                let size = line.split(';').next().unwrap_or("").trim();
                let size = u64::from_str_radix(size, 16)
                    .map_err(|_| io::Error::other(format!("bad chunk size {line:?}")))?;
                if size == 0 {
                    while !self.line().await?.is_empty() {}
                    break;
                }
                self.body_part(size, keep, &mut response).await?;
                self.line().await?;
            },
            Framing::UntilClose => {
                self.closed = true;
                loop {
                    let n = self.rbuf.len() as u64;
                    self.body_part(n, keep, &mut response).await?;
                    match self.fill().await {
                        Ok(()) => {}
                        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => break,
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        Ok(response)
    }

    /// Reads exactly `len` body bytes, from what is buffered first.
    async fn body_part(&mut self, len: u64, keep: Keep, r: &mut Response) -> io::Result<()> {
        let buffered = (self.rbuf.len() as u64).min(len) as usize;
        if keep == Keep::Body {
            r.body.extend_from_slice(&self.rbuf[..buffered]);
        }
        self.rbuf.drain(..buffered);
        r.body_len += buffered as u64;
        let mut left = len - buffered as u64;
        while left > 0 {
            let want = left.min(self.scratch.len() as u64) as usize;
            let n = self.stream.read(&mut self.scratch[..want]).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            if keep == Keep::Body {
                r.body.extend_from_slice(&self.scratch[..n]);
            }
            r.body_len += n as u64;
            left -= n as u64;
        }
        Ok(())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Percent-encodes a query value as SigV4 wants it (unreserved characters stay).
pub fn query_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The text of every `<name>` element, in order.
pub fn elements<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        let Some(j) = rest.find(&close) else { break };
        out.push(&rest[..j]);
        rest = &rest[j + close.len()..];
    }
    out
}
