//! Raw HTTP/1.1 for the requests an SDK refuses to send: malformed signatures, bodies that lie
//! about their length, stalls and disconnects.

use std::time::SystemTime;

use rampart_sigv4::{RequestParts, SignedRequest, SigningParams, sign_request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::{ACCESS_KEY, SECRET_KEY};

#[derive(Clone, Debug, Default)]
pub struct RawRequest {
    pub method: String,
    /// The path exactly as sent (percent-encoded by the caller).
    pub path: String,
    /// The query string exactly as sent, without `?`.
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The text of the first `<name>` element in the body.
    pub fn element(&self, name: &str) -> Option<String> {
        let text = self.text();
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].to_owned())
    }

    pub fn error_code(&self) -> Option<String> {
        self.element("Code")
    }

    /// Asserts an S3 error response: the status, an XML `<Error>` body with this `<Code>`, a
    /// `<Message>`, and a `<RequestId>` equal to the `x-amz-request-id` header.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        let text = self.text();
        assert_eq!(
            (self.status, self.error_code().as_deref()),
            (status, Some(code)),
            "unexpected response; body: {text}"
        );
        assert!(
            text.contains("<Error>") && self.element("Message").is_some(),
            "not an S3 error document: {text}"
        );
        assert!(
            self.header("content-type")
                .is_some_and(|t| t.contains("xml")),
            "error without an XML content type: {:?}",
            self.headers
        );
        assert_eq!(
            self.element("RequestId").as_deref(),
            self.header("x-amz-request-id"),
            "RequestId element and header differ: {text}"
        );
    }
}

impl RawRequest {
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.to_owned(),
            path: path.to_owned(),
            ..Default::default()
        }
    }

    pub fn query(mut self, query: &str) -> Self {
        self.query = query.to_owned();
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers
            .push((name.to_ascii_lowercase(), value.to_owned()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Signs with the test root key (header auth) for `payload_hash`; `None` signs the body's
    /// SHA-256.
    pub fn sign(self, port: u16, payload_hash: Option<&str>) -> Self {
        self.sign_as(
            port,
            payload_hash,
            ACCESS_KEY,
            SECRET_KEY,
            SystemTime::now(),
            "us-east-1",
        )
    }

    pub fn sign_as(
        mut self,
        port: u16,
        payload_hash: Option<&str>,
        access_key: &str,
        secret: &str,
        time: SystemTime,
        region: &str,
    ) -> Self {
        let host = format!("127.0.0.1:{port}");
        self.sign_full(&host, payload_hash, access_key, secret, time, region);
        self
    }

    /// Signs with the test root key for `host` (sent as the `host` header and signed): for
    /// virtual-hosted-style requests.
    pub fn sign_host(mut self, host: &str, payload_hash: Option<&str>) -> Self {
        self.sign_full(
            host,
            payload_hash,
            ACCESS_KEY,
            SECRET_KEY,
            SystemTime::now(),
            "us-east-1",
        );
        self
    }

    /// Signs in place and returns the signing details (seed signature, signing key, scope),
    /// which an aws-chunked body needs to sign its chunks.
    pub fn sign_full(
        &mut self,
        host: &str,
        payload_hash: Option<&str>,
        access_key: &str,
        secret: &str,
        time: SystemTime,
        region: &str,
    ) -> SignedRequest {
        self.headers
            .retain(|(n, _)| n != "host" && n != "authorization");
        self.headers.push(("host".into(), host.to_owned()));
        let hash = payload_hash
            .map(str::to_owned)
            .unwrap_or_else(|| rampart_sigv4::sha256_hex(&self.body));
        let header_refs: Vec<(&str, &[u8])> = self
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_bytes()))
            .collect();
        let parts = RequestParts {
            method: &self.method,
            raw_path: &self.path,
            raw_query: &self.query,
            headers: &header_refs,
        };
        let params = SigningParams {
            access_key_id: access_key,
            secret_access_key: secret,
            session_token: None,
            region,
            service: "s3",
            time,
        };
        let signed = sign_request(&parts, &hash, &params).expect("sign the request");
        for (name, value) in &signed.headers {
            self.headers.retain(|(n, _)| n != name);
            self.headers.push((name.clone(), value.clone()));
        }
        signed
    }

    fn head_bytes(&self, port: u16, content_length: Option<usize>) -> Vec<u8> {
        let target = if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        };
        let mut head = format!("{} {target} HTTP/1.1\r\n", self.method);
        if !self.headers.iter().any(|(n, _)| n == "host") {
            head.push_str(&format!("host: 127.0.0.1:{port}\r\n"));
        }
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(len) = content_length
            && !self.headers.iter().any(|(n, _)| n == "content-length")
        {
            head.push_str(&format!("content-length: {len}\r\n"));
        }
        head.push_str("connection: close\r\n\r\n");
        head.into_bytes()
    }

    /// Sends the request and reads the whole response.
    pub async fn send(&self, port: u16) -> RawResponse {
        let mut stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect to the server");
        let needs_length = !self.body.is_empty() || self.method == "PUT" || self.method == "POST";
        let mut bytes = self.head_bytes(port, needs_length.then_some(self.body.len()));
        bytes.extend_from_slice(&self.body);
        stream.write_all(&bytes).await.expect("send the request");
        read_response(&mut stream, self.method == "HEAD").await
    }

    /// Sends the request over a TLS connection made with `config` and reads the whole
    /// response; `Err` if the handshake fails.
    pub async fn send_tls(
        &self,
        port: u16,
        config: std::sync::Arc<rustls::ClientConfig>,
    ) -> std::io::Result<RawResponse> {
        let mut stream = crate::tls::connect(port, config).await?;
        let needs_length = !self.body.is_empty() || self.method == "PUT" || self.method == "POST";
        let mut bytes = self.head_bytes(port, needs_length.then_some(self.body.len()));
        bytes.extend_from_slice(&self.body);
        stream.write_all(&bytes).await?;
        Ok(read_response(&mut stream, self.method == "HEAD").await)
    }

    /// Sends the body with HTTP/1.1 `transfer-encoding: chunked` framing (one chunk, then the
    /// terminator) and no `content-length`, and reads the whole response.
    pub async fn send_http_chunked(&self, port: u16) -> RawResponse {
        let mut stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect to the server");
        let mut head = self.head_bytes(port, None);
        head.truncate(head.len() - 2);
        head.extend_from_slice(b"transfer-encoding: chunked\r\n\r\n");
        let mut bytes = head;
        if !self.body.is_empty() {
            bytes.extend_from_slice(format!("{:x}\r\n", self.body.len()).as_bytes());
            bytes.extend_from_slice(&self.body);
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"0\r\n\r\n");
        stream.write_all(&bytes).await.expect("send the request");
        read_response(&mut stream, self.method == "HEAD").await
    }

    /// Sends the head and only the first `sent` body bytes of a body declared `declared`
    /// long, then stalls (keeping the connection open) and returns the open stream.
    pub async fn send_partial(&self, port: u16, declared: usize, sent: usize) -> TcpStream {
        let mut stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect to the server");
        let mut bytes = self.head_bytes(port, Some(declared));
        bytes.extend_from_slice(&self.body[..sent.min(self.body.len())]);
        stream.write_all(&bytes).await.expect("send the request");
        stream
    }
}

pub async fn read_response<S: tokio::io::AsyncRead + Unpin>(
    stream: &mut S,
    head_request: bool,
) -> RawResponse {
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    parse_response(&raw, head_request)
}

fn parse_response(raw: &[u8], head_request: bool) -> RawResponse {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| {
            panic!(
                "no complete response head in {:?}",
                String::from_utf8_lossy(raw)
            )
        });
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    if chunked && !head_request {
        body = dechunk(&body);
    }
    RawResponse {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&data[..line_end])
                .split(';')
                .next()
                .unwrap_or("0")
                .trim(),
            16,
        )
        .unwrap_or(0);
        data = &data[line_end + 2..];
        if size == 0 || data.len() < size {
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[(size + 2).min(data.len())..];
    }
    out
}

/// A `multipart/form-data` body written by hand, part by part, as a browser sends a form.
#[derive(Clone, Debug)]
pub struct MultipartForm {
    boundary: String,
    body: Vec<u8>,
}

impl Default for MultipartForm {
    fn default() -> Self {
        Self::new("----RampartFormBoundary7MA4YWxkTrZu0gW")
    }
}

impl MultipartForm {
    pub fn new(boundary: &str) -> Self {
        Self {
            boundary: boundary.to_owned(),
            body: Vec::new(),
        }
    }

    /// The request's `content-type` header value.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// A plain field: `Content-Disposition: form-data; name="…"` and the value.
    pub fn field(self, name: &str, value: &str) -> Self {
        self.part(name, None, None, value.as_bytes())
    }

    /// A part with an optional `filename` parameter and `Content-Type` header.
    pub fn part(
        mut self,
        name: &str,
        filename: Option<&str>,
        content_type: Option<&str>,
        data: &[u8],
    ) -> Self {
        let mut head = format!(
            "--{}\r\nContent-Disposition: form-data; name=\"{name}\"",
            self.boundary
        );
        if let Some(filename) = filename {
            head.push_str(&format!("; filename=\"{filename}\""));
        }
        head.push_str("\r\n");
        if let Some(content_type) = content_type {
            head.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        head.push_str("\r\n");
        self.body.extend_from_slice(head.as_bytes());
        self.body.extend_from_slice(data);
        self.body.extend_from_slice(b"\r\n");
        self
    }

    /// The body, closed with the final delimiter.
    pub fn finish(mut self) -> Vec<u8> {
        self.body
            .extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        self.body
    }
}
