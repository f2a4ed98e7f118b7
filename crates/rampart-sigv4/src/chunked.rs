//! Decoding an aws-chunked body (`Content-Encoding: aws-chunked`), verifying every chunk
//! signature and the trailer signature.
//!
//! A push-based state machine: the server appends body bytes to a `BytesMut` as they
//! arrive and calls [`ChunkedDecoder::decode`] until it returns `Ok(None)`, then reads more;
//! at the end of the body it calls [`ChunkedDecoder::finish`]. Memory stays bounded: a
//! signed chunk is held until it is complete and verified (so every `Data` event of a
//! signed body is authentic), which is why signed chunk sizes are capped; unsigned chunks
//! stream through as they arrive.
//!
//! Wire format (signed; unsigned drops the `;chunk-signature=…` extension):
//! ```text
//! <hex-size>;chunk-signature=<64 hex>\r\n<data>\r\n      (repeated)
//! 0;chunk-signature=<64 hex>\r\n
//! \r\n                                                   (no trailers), or
//! name:value\r\n … x-amz-trailer-signature:<64 hex>\r\n \r\n   (trailers)
//! ```

use bytes::{Buf, Bytes, BytesMut};

use crate::auth::PayloadMode;
use crate::canonical::is_token_char;
use crate::error::SigV4Error;
use crate::signing::{
    CredentialScope, SigningKey, chunk_string_to_sign, parse_signature_hex, sha256,
    signatures_equal, trailer_string_to_sign,
};
use crate::verify::VerifiedAuth;

/// The largest signed chunk buffered for verification. Clients use 8 KiB to 8 MiB.
pub const DEFAULT_MAX_SIGNED_CHUNK_SIZE: u64 = 16 * 1024 * 1024;
/// The largest unsigned chunk: S3's single-PUT object limit. Unsigned chunks stream, so
/// this bounds no memory; it only rejects nonsense sizes.
pub const MAX_UNSIGNED_CHUNK_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// The longest chunk-size line or trailer line.
pub const MAX_LINE_LEN: usize = 4096;
/// The most trailer bytes and trailer headers accepted.
pub const MAX_TRAILER_BYTES: usize = 16 * 1024;
pub const MAX_TRAILERS: usize = 64;

const TRAILER_SIGNATURE: &str = "x-amz-trailer-signature";
const CRLF: &[u8] = b"\r\n";

/// How the body is encoded, and the keys to check it with.
#[derive(Debug, Clone)]
pub enum ChunkedMode {
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`.
    Signed {
        signing_key: SigningKey,
        /// The request's signature: the first chunk's previous signature.
        seed_signature: [u8; 32],
        amz_date: String,
        scope: CredentialScope,
        with_trailer: bool,
    },
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER` (`with_trailer: true`).
    Unsigned { with_trailer: bool },
}

impl ChunkedMode {
    /// The mode for a verified request's payload, or `None` when the body is not
    /// aws-chunked.
    pub fn for_payload(payload: PayloadMode, verified: &VerifiedAuth) -> Option<Self> {
        let signed = |with_trailer| Self::Signed {
            signing_key: verified.signing_key.clone(),
            seed_signature: verified.seed_signature,
            amz_date: verified.amz_date.clone(),
            scope: verified.scope.clone(),
            with_trailer,
        };
        match payload {
            PayloadMode::StreamingSigned => Some(signed(false)),
            PayloadMode::StreamingSignedTrailer => Some(signed(true)),
            PayloadMode::StreamingUnsignedTrailer => Some(Self::Unsigned { with_trailer: true }),
            PayloadMode::Sha256(_) | PayloadMode::Unsigned | PayloadMode::HashOfBody => None,
        }
    }
}

/// What the decoder produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkEvent {
    /// Decoded body bytes (never empty).
    Data(Bytes),
    /// The trailers, names lowercase, values trimmed, in wire order, without
    /// `x-amz-trailer-signature`. Emitted once, before `End`, in the trailer modes only.
    Trailers(Vec<(String, String)>),
    /// The body is complete and authentic.
    End,
}

struct ChunkSigner {
    key: SigningKey,
    amz_date: String,
    scope: CredentialScope,
    previous: [u8; 32],
}

impl ChunkSigner {
    fn check_chunk(&mut self, data: &[u8], provided: &[u8; 32]) -> Result<(), SigV4Error> {
        let sts = chunk_string_to_sign(&self.amz_date, &self.scope, &self.previous, &sha256(data));
        let calculated = self.key.sign(sts.as_bytes());
        if !signatures_equal(&calculated, provided) {
            return Err(SigV4Error::ChunkSignatureDoesNotMatch);
        }
        self.previous = calculated;
        Ok(())
    }

    fn check_trailers(
        &self,
        trailers: &[(String, String)],
        provided: &[u8; 32],
    ) -> Result<(), SigV4Error> {
        let sts = trailer_string_to_sign(
            &self.amz_date,
            &self.scope,
            &self.previous,
            &canonical_trailers(trailers),
        );
        if !signatures_equal(&self.key.sign(sts.as_bytes()), provided) {
            return Err(SigV4Error::TrailerSignatureDoesNotMatch);
        }
        Ok(())
    }
}

/// `name:value\n` per trailer, sorted by name: what the trailer signature covers.
pub fn canonical_trailers(trailers: &[(String, String)]) -> Vec<u8> {
    let mut sorted: Vec<&(String, String)> = trailers.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (name, value) in sorted {
        out.extend_from_slice(name.as_bytes());
        out.push(b':');
        out.extend_from_slice(value.as_bytes());
        out.push(b'\n');
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Expecting `<hex-size>[;chunk-signature=…]\r\n`.
    SizeLine,
    /// Inside a chunk's data.
    Data {
        remaining: u64,
        signature: Option<[u8; 32]>,
    },
    /// Expecting the CRLF after a chunk's data.
    DataCrlf,
    /// After the final chunk of a body without trailers: expecting `\r\n`.
    FinalCrlf,
    /// Reading trailer lines.
    Trailers,
    /// Trailers emitted; `End` next.
    EmitEnd,
    /// `End` emitted.
    Done,
    /// An error was returned; every later call returns it again.
    Failed,
}

/// The aws-chunked decoder. See the module documentation for the calling protocol.
pub struct ChunkedDecoder {
    signer: Option<ChunkSigner>,
    with_trailer: bool,
    state: State,
    max_chunk_size: u64,
    eof: bool,
    trailers: Vec<(String, String)>,
    trailer_bytes: usize,
    trailer_signature_seen: bool,
    leading_empty_line_seen: bool,
    decoded_len: u64,
    error: Option<SigV4Error>,
}

impl std::fmt::Debug for ChunkedDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkedDecoder")
            .field("signed", &self.signer.is_some())
            .field("with_trailer", &self.with_trailer)
            .field("state", &self.state)
            .field("decoded_len", &self.decoded_len)
            .finish_non_exhaustive()
    }
}

impl ChunkedDecoder {
    pub fn new(mode: ChunkedMode) -> Self {
        let (signer, with_trailer, max_chunk_size) = match mode {
            ChunkedMode::Signed {
                signing_key,
                seed_signature,
                amz_date,
                scope,
                with_trailer,
            } => (
                Some(ChunkSigner {
                    key: signing_key,
                    amz_date,
                    scope,
                    previous: seed_signature,
                }),
                with_trailer,
                DEFAULT_MAX_SIGNED_CHUNK_SIZE,
            ),
            ChunkedMode::Unsigned { with_trailer } => (None, with_trailer, MAX_UNSIGNED_CHUNK_SIZE),
        };
        Self {
            signer,
            with_trailer,
            state: State::SizeLine,
            max_chunk_size,
            eof: false,
            trailers: Vec::new(),
            trailer_bytes: 0,
            trailer_signature_seen: false,
            leading_empty_line_seen: false,
            decoded_len: 0,
            error: None,
        }
    }

    /// Caps the chunk size (signed chunks are buffered whole before they are verified).
    pub fn with_max_chunk_size(mut self, max: u64) -> Self {
        self.max_chunk_size = max;
        self
    }

    /// Whether `End` has been returned.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decoded bytes emitted so far (to compare with `x-amz-decoded-content-length`).
    pub fn decoded_len(&self) -> u64 {
        self.decoded_len
    }

    /// Consumes what it can of `input` and returns the next event, or `Ok(None)` when it
    /// needs more input. Call again after every event: `input` may hold several.
    pub fn decode(&mut self, input: &mut BytesMut) -> Result<Option<ChunkEvent>, SigV4Error> {
        if let Some(err) = &self.error {
            return Err(err.clone());
        }
        let result = self.step(input);
        if let Err(err) = &result {
            self.state = State::Failed;
            self.error = Some(err.clone());
        }
        result
    }

    /// Call at the end of the body, with whatever input is left, until it returns
    /// `Ok(None)`: it yields the remaining events, tolerating a missing final CRLF, and
    /// fails with [`SigV4Error::IncompleteBody`] if the body stopped early.
    pub fn finish(&mut self, input: &mut BytesMut) -> Result<Option<ChunkEvent>, SigV4Error> {
        self.eof = true;
        match self.decode(input)? {
            Some(event) => Ok(Some(event)),
            None if self.is_done() => Ok(None),
            None => {
                self.state = State::Failed;
                self.error = Some(SigV4Error::IncompleteBody);
                Err(SigV4Error::IncompleteBody)
            }
        }
    }

    fn step(&mut self, input: &mut BytesMut) -> Result<Option<ChunkEvent>, SigV4Error> {
        loop {
            match self.state {
                State::SizeLine => {
                    let Some(line) = take_line(input)? else {
                        return Ok(None);
                    };
                    let (size, signature) = self.parse_size_line(&line)?;
                    if size == 0 {
                        if let (Some(signer), Some(sig)) = (self.signer.as_mut(), signature) {
                            signer.check_chunk(&[], &sig)?;
                        }
                        self.state = if self.with_trailer {
                            State::Trailers
                        } else {
                            State::FinalCrlf
                        };
                    } else {
                        self.state = State::Data {
                            remaining: size,
                            signature,
                        };
                    }
                }
                State::Data {
                    remaining,
                    signature,
                } => {
                    return match (self.signer.as_mut(), signature) {
                        (Some(signer), Some(sig)) => {
                            // Whole chunk plus its CRLF, or wait. `remaining` is capped by
                            // `max_chunk_size`, so it fits in memory.
                            let Ok(len) = usize::try_from(remaining) else {
                                return Err(SigV4Error::ChunkTooLarge {
                                    size: remaining,
                                    limit: self.max_chunk_size,
                                });
                            };
                            let end = len.saturating_add(2);
                            if input.len() < end {
                                return Ok(None);
                            }
                            if input.get(len..end) != Some(CRLF) {
                                return Err(SigV4Error::malformed_chunk(
                                    "missing CRLF after chunk data",
                                ));
                            }
                            signer.check_chunk(input.get(..len).unwrap_or_default(), &sig)?;
                            let data = input.split_to(len).freeze();
                            input.advance(2);
                            self.state = State::SizeLine;
                            self.decoded_len = self.decoded_len.saturating_add(remaining);
                            Ok(Some(ChunkEvent::Data(data)))
                        }
                        _ => {
                            if input.is_empty() {
                                return Ok(None);
                            }
                            let n = usize::try_from(remaining)
                                .unwrap_or(usize::MAX)
                                .min(input.len());
                            let data = input.split_to(n).freeze();
                            let n = n as u64;
                            self.decoded_len = self.decoded_len.saturating_add(n);
                            self.state = match remaining.saturating_sub(n) {
                                0 => State::DataCrlf,
                                left => State::Data {
                                    remaining: left,
                                    signature: None,
                                },
                            };
                            Ok(Some(ChunkEvent::Data(data)))
                        }
                    };
                }
                State::DataCrlf => {
                    if input.len() < 2 {
                        return Ok(None);
                    }
                    if input.get(..2) != Some(CRLF) {
                        return Err(SigV4Error::malformed_chunk("missing CRLF after chunk data"));
                    }
                    input.advance(2);
                    self.state = State::SizeLine;
                }
                State::FinalCrlf => {
                    // Some clients end the body right after the final chunk's line.
                    if self.eof && input.is_empty() {
                        self.state = State::Done;
                        return Ok(Some(ChunkEvent::End));
                    }
                    if input.len() < 2 {
                        return Ok(None);
                    }
                    if input.get(..2) != Some(CRLF) {
                        return Err(SigV4Error::malformed_chunk(
                            "unexpected data after the final chunk",
                        ));
                    }
                    input.advance(2);
                    self.state = State::Done;
                    return Ok(Some(ChunkEvent::End));
                }
                State::Trailers => {
                    if let Some(event) = self.step_trailers(input)? {
                        return Ok(Some(event));
                    }
                    return Ok(None);
                }
                State::EmitEnd => {
                    self.state = State::Done;
                    return Ok(Some(ChunkEvent::End));
                }
                State::Done => {
                    if !input.is_empty() {
                        return Err(SigV4Error::malformed_chunk(
                            "data after the end of the body",
                        ));
                    }
                    return Ok(None);
                }
                State::Failed => return Err(SigV4Error::malformed_chunk("decoder failed earlier")),
            }
        }
    }

    /// `<hex-size>` (unsigned) or `<hex-size>;chunk-signature=<64 hex>` (signed), with
    /// optional spaces around `;` and `=`.
    fn parse_size_line(&self, line: &[u8]) -> Result<(u64, Option<[u8; 32]>), SigV4Error> {
        let line = std::str::from_utf8(line)
            .map_err(|_| SigV4Error::malformed_chunk("chunk size line is not ASCII"))?;
        let (size_part, extension) = match line.split_once(';') {
            Some((size, ext)) => (size, Some(ext)),
            None => (line, None),
        };
        let size = parse_hex_size(size_part.trim_matches(is_ows))?;
        let signature = match (self.signer.is_some(), extension) {
            (true, Some(ext)) => Some(parse_chunk_signature(ext)?),
            (true, None) => return Err(SigV4Error::malformed_chunk("missing chunk-signature")),
            (false, None) => None,
            (false, Some(_)) => {
                return Err(SigV4Error::malformed_chunk(
                    "unexpected chunk extension in an unsigned body",
                ));
            }
        };
        if size > self.max_chunk_size {
            return Err(SigV4Error::ChunkTooLarge {
                size,
                limit: self.max_chunk_size,
            });
        }
        Ok((size, signature))
    }

    fn step_trailers(&mut self, input: &mut BytesMut) -> Result<Option<ChunkEvent>, SigV4Error> {
        loop {
            let line = match take_line(input)? {
                Some(line) => Some(line),
                // At the end of a signed body, a last line without CRLF still counts: it is
                // the trailer signature, which authenticates it. In an unsigned body it
                // could be a cut-off value, so the body is incomplete.
                None if self.eof && !input.is_empty() => {
                    if self.signer.is_none() {
                        return Err(SigV4Error::IncompleteBody);
                    }
                    Some(input.split().freeze())
                }
                None => None,
            };
            let Some(line) = line else {
                if !self.eof {
                    return Ok(None);
                }
                // The body ended without the closing empty line: fine once the section is
                // complete (signed: its signature came; unsigned: a trailer or an empty line
                // came, so the body did not just stop after the final chunk).
                let complete = match self.signer {
                    Some(_) => self.trailer_signature_seen,
                    None => !self.trailers.is_empty() || self.leading_empty_line_seen,
                };
                if !complete {
                    return Err(SigV4Error::IncompleteBody);
                }
                return Ok(Some(self.end_trailers()));
            };
            self.trailer_bytes = self.trailer_bytes.saturating_add(line.len() + 2);
            if self.trailer_bytes > MAX_TRAILER_BYTES {
                return Err(SigV4Error::malformed_chunk("trailers too large"));
            }
            if line.is_empty() {
                if self.trailer_signature_seen
                    || (self.signer.is_none() && !self.trailers.is_empty())
                {
                    return Ok(Some(self.end_trailers()));
                }
                // One empty line right after the final chunk: the form in AWS's own
                // trailer example (the final chunk's empty data and its CRLF).
                if self.trailers.is_empty() && !self.leading_empty_line_seen {
                    self.leading_empty_line_seen = true;
                    continue;
                }
                if self.signer.is_none() {
                    return Ok(Some(self.end_trailers()));
                }
                return Err(SigV4Error::TrailerSignatureDoesNotMatch);
            }
            self.trailer_line(&line)?;
        }
    }

    fn trailer_line(&mut self, line: &[u8]) -> Result<(), SigV4Error> {
        let line = std::str::from_utf8(line)
            .map_err(|_| SigV4Error::malformed_chunk("trailer is not UTF-8"))?;
        let Some((name, value)) = line.split_once(':') else {
            return Err(SigV4Error::malformed_chunk("trailer line without ':'"));
        };
        let name = name.trim_matches(is_ows).to_ascii_lowercase();
        let value = value.trim_matches(is_ows);
        if name.is_empty() || !name.bytes().all(is_token_char) {
            return Err(SigV4Error::malformed_chunk("invalid trailer name"));
        }
        if self.trailer_signature_seen {
            return Err(SigV4Error::malformed_chunk(
                "trailer after x-amz-trailer-signature",
            ));
        }
        if name == TRAILER_SIGNATURE {
            let Some(signer) = &self.signer else {
                return Err(SigV4Error::malformed_chunk(
                    "x-amz-trailer-signature in an unsigned body",
                ));
            };
            let provided =
                parse_signature_hex(value).ok_or(SigV4Error::TrailerSignatureDoesNotMatch)?;
            signer.check_trailers(&self.trailers, &provided)?;
            self.trailer_signature_seen = true;
            return Ok(());
        }
        if self.trailers.len() >= MAX_TRAILERS {
            return Err(SigV4Error::malformed_chunk("too many trailers"));
        }
        self.trailers.push((name, value.to_owned()));
        Ok(())
    }

    fn end_trailers(&mut self) -> ChunkEvent {
        self.state = State::EmitEnd;
        ChunkEvent::Trailers(std::mem::take(&mut self.trailers))
    }
}

fn is_ows(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Splits off one CRLF-terminated line (without the CRLF), or `None` if none is complete
/// yet. Lines longer than [`MAX_LINE_LEN`] are an error rather than a reason to buffer.
fn take_line(input: &mut BytesMut) -> Result<Option<Bytes>, SigV4Error> {
    let window = input
        .get(..input.len().min(MAX_LINE_LEN + 2))
        .unwrap_or_default();
    match window.windows(2).position(|w| w == CRLF) {
        Some(pos) => {
            let line = input.split_to(pos).freeze();
            input.advance(2);
            Ok(Some(line))
        }
        None if input.len() > MAX_LINE_LEN => Err(SigV4Error::malformed_chunk("line too long")),
        None => Ok(None),
    }
}

/// 1 to 16 hex digits.
fn parse_hex_size(s: &str) -> Result<u64, SigV4Error> {
    if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(SigV4Error::malformed_chunk("invalid chunk size"));
    }
    u64::from_str_radix(s, 16).map_err(|_| SigV4Error::malformed_chunk("invalid chunk size"))
}

/// `chunk-signature=<64 hex>`, spaces allowed around the parts.
fn parse_chunk_signature(ext: &str) -> Result<[u8; 32], SigV4Error> {
    let malformed = || SigV4Error::malformed_chunk("invalid chunk-signature");
    let rest = ext
        .trim_matches(is_ows)
        .strip_prefix("chunk-signature")
        .ok_or_else(malformed)?;
    let value = rest
        .trim_start_matches(is_ows)
        .strip_prefix('=')
        .ok_or_else(malformed)?;
    let value = value.trim_matches(is_ows);
    if value.len() != 64 {
        return Err(malformed());
    }
    parse_signature_hex(value).ok_or_else(malformed)
}
