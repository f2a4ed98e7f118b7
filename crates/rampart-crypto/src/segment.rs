//! The SSE segment format: how one blob's bytes are sealed at rest.
//!
//! Every blob gets its own random 256-bit data key. Its plaintext is cut into segments of
//! `segment_size` bytes (the last may be shorter; an empty blob is one empty segment), and each
//! segment is sealed with AES-256-GCM into `ciphertext || tag`; the blob is the concatenation
//! of the sealed segments. Segment `i` of `n` is sealed under
//!
//! - nonce = `i` (u64, big-endian) `|| 00 00 00 ||` final flag (`01` for `i == n-1`, else `00`);
//! - associated data = `"rampart-sse-v1" || segment_size (u32 BE) || i (u64 BE) || final flag`.
//!
//! A data key seals exactly one plaintext, so the index-derived nonces never repeat under a
//! key; [`Encryptor::new`] makes the key itself so that no caller can reuse one. Binding the
//! index and the final flag means a reordered, duplicated, dropped or appended segment, a
//! truncated blob or a blob cut at a segment boundary fails authentication instead of
//! decrypting to other bytes; a segment spliced from another blob fails under this blob's key.
//!
//! Range reads open only the segments the range touches ([`Layout::plan`]).

use std::mem::MaybeUninit;
use std::ops::Range;

use bytes::{Buf, Bytes, BytesMut};
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, Tag, UnboundKey};
use zeroize::{Zeroize, Zeroizing};

use crate::CryptoError;

/// The segment size new blobs are written with. Recorded with each blob, so it may change.
pub const DEFAULT_SEGMENT_SIZE: u32 = 64 * 1024;
/// Bytes each sealed segment adds to its plaintext (the GCM tag).
pub const SEGMENT_OVERHEAD: usize = 16;
const DATA_KEY_LEN: usize = 32;
const AAD_DOMAIN: &[u8] = b"rampart-sse-v1";
/// Segments bigger than this are refused when read from a record: a damaged record must not
/// make a reader allocate without bound.
const MAX_SEGMENT_SIZE: u32 = 16 * 1024 * 1024;

/// A blob's data key. Zeroized on drop; never printed.
pub struct DataKey(Zeroizing<[u8; DATA_KEY_LEN]>);

impl DataKey {
    fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; DATA_KEY_LEN]);
        getrandom::fill(bytes.as_mut()).expect("the operating system's random source failed");
        Self(bytes)
    }

    /// A data key from its raw bytes (as unwrapped from a record).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let array: [u8; DATA_KEY_LEN] = bytes
            .try_into()
            .map_err(|_| CryptoError::KeyLength(bytes.len()))?;
        Ok(Self(Zeroizing::new(array)))
    }

    /// The raw key, for wrapping it under a key-encryption key.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_ref()
    }

    fn cipher(&self) -> SegmentCipher {
        SegmentCipher::new(&self.0)
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey([REDACTED])")
    }
}

/// The shape of one sealed blob: its segment size and plaintext length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    segment_size: u32,
    plain_len: u64,
}

/// What to read of a sealed blob for a plaintext range, and what to keep of the opened
/// segments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadPlan {
    /// The segments to open.
    pub segments: Range<u64>,
    /// Their bytes in the sealed blob.
    pub sealed: Range<u64>,
    /// Plaintext bytes to drop from the front of the first opened segment.
    pub skip: u64,
    /// Plaintext bytes to keep after the skipped ones.
    pub take: u64,
}

impl Layout {
    pub fn new(segment_size: u32, plain_len: u64) -> Result<Self, CryptoError> {
        if segment_size == 0 || segment_size > MAX_SEGMENT_SIZE {
            return Err(CryptoError::SegmentSize(segment_size));
        }
        Ok(Self {
            segment_size,
            plain_len,
        })
    }

    pub fn segment_size(&self) -> u32 {
        self.segment_size
    }

    pub fn plain_len(&self) -> u64 {
        self.plain_len
    }

    /// Segments in the blob: at least one, so that even an empty blob is authenticated.
    pub fn segment_count(&self) -> u64 {
        self.plain_len.div_ceil(u64::from(self.segment_size)).max(1)
    }

    /// The sealed blob's length.
    pub fn sealed_len(&self) -> u64 {
        self.plain_len + self.segment_count() * SEGMENT_OVERHEAD as u64
    }

    /// Plaintext bytes in segment `index`.
    fn plain_segment_len(&self, index: u64) -> u64 {
        let size = u64::from(self.segment_size);
        let start = index * size;
        self.plain_len.saturating_sub(start).min(size)
    }

    fn is_final(&self, index: u64) -> bool {
        index + 1 == self.segment_count()
    }

    /// Where segment `index` starts in the sealed blob.
    fn sealed_offset(&self, index: u64) -> u64 {
        index * (u64::from(self.segment_size) + SEGMENT_OVERHEAD as u64)
    }

    /// The segments holding plaintext `range` (which must lie within the blob; an empty range
    /// opens nothing).
    pub fn plan(&self, range: Range<u64>) -> Result<ReadPlan, CryptoError> {
        if range.start > range.end || range.end > self.plain_len {
            return Err(CryptoError::Range);
        }
        if range.is_empty() {
            return Ok(ReadPlan {
                segments: 0..0,
                sealed: 0..0,
                skip: 0,
                take: 0,
            });
        }
        let size = u64::from(self.segment_size);
        let first = range.start / size;
        let last = (range.end - 1) / size;
        let sealed_end =
            self.sealed_offset(last) + self.plain_segment_len(last) + SEGMENT_OVERHEAD as u64;
        Ok(ReadPlan {
            segments: first..last + 1,
            sealed: self.sealed_offset(first)..sealed_end,
            skip: range.start - first * size,
            take: range.end - range.start,
        })
    }
}

fn nonce(index: u64, is_final: bool) -> [u8; 12] {
    let mut nonce = [0u8; 12];
    nonce[..8].copy_from_slice(&index.to_be_bytes());
    nonce[11] = u8::from(is_final);
    nonce
}

fn aad(segment_size: u32, index: u64, is_final: bool) -> [u8; AAD_DOMAIN.len() + 13] {
    let mut aad = [0u8; AAD_DOMAIN.len() + 13];
    let (domain, rest) = aad.split_at_mut(AAD_DOMAIN.len());
    domain.copy_from_slice(AAD_DOMAIN);
    rest[..4].copy_from_slice(&segment_size.to_be_bytes());
    rest[4..12].copy_from_slice(&index.to_be_bytes());
    rest[12] = u8::from(is_final);
    aad
}

/// A data key expanded for AES-256-GCM (`ring`, which picks the CPU's AES, CLMUL and VAES
/// instructions at run time). The expanded key lives in its own allocation, so that it is
/// never moved, and is zeroized there on drop, as the data key itself is.
struct SegmentCipher {
    key: Box<MaybeUninit<LessSafeKey>>,
    segment_size: u32,
}

impl SegmentCipher {
    fn new(key: &[u8; DATA_KEY_LEN]) -> Self {
        let key = UnboundKey::new(&AES_256_GCM, key).expect("AES-256-GCM takes a 32-byte key");
        Self {
            key: Box::new(MaybeUninit::new(LessSafeKey::new(key))),
            // Set by the encryptor or decryptor that owns it.
            segment_size: 0,
        }
    }

    fn key(&self) -> &LessSafeKey {
        // SAFETY: initialized in `new`; only `drop` ends its life.
        unsafe { self.key.assume_init_ref() }
    }

    /// Seals segment `index` in place, returning its tag.
    fn seal(&self, index: u64, is_final: bool, segment: &mut [u8]) -> Tag {
        self.key()
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce(index, is_final)),
                Aad::from(aad(self.segment_size, index, is_final)),
                segment,
            )
            .expect("AES-GCM encryption of a segment cannot fail")
    }

    /// Opens segment `index` in place: `sealed` is its ciphertext followed by its tag, and on
    /// success its first bytes are the plaintext. On failure the bytes are unspecified and
    /// must not be used.
    fn open(&self, index: u64, is_final: bool, sealed: &mut [u8]) -> Result<usize, CryptoError> {
        let tag_at = sealed
            .len()
            .checked_sub(SEGMENT_OVERHEAD)
            .ok_or(CryptoError::Authentication)?;
        let tag = Tag::try_from(&sealed[tag_at..]).map_err(|_| CryptoError::Authentication)?;
        self.key()
            .open_in_place_separate_tag(
                Nonce::assume_unique_for_key(nonce(index, is_final)),
                Aad::from(aad(self.segment_size, index, is_final)),
                tag,
                &mut sealed[..tag_at],
                0..,
            )
            .map_err(|_| CryptoError::Authentication)?;
        Ok(tag_at)
    }
}

impl Drop for SegmentCipher {
    fn drop(&mut self) {
        // SAFETY: initialized in `new` and dropped only here.
        unsafe { self.key.assume_init_drop() };
        // SAFETY: the allocation holds `size_of::<LessSafeKey>()` bytes, now uninitialized,
        // which `MaybeUninit<u8>` may view.
        let bytes = unsafe {
            std::slice::from_raw_parts_mut(
                self.key.as_mut_ptr().cast::<MaybeUninit<u8>>(),
                std::mem::size_of::<LessSafeKey>(),
            )
        };
        bytes.zeroize();
    }
}

/// Seals a blob's plaintext as it streams. Holds back the latest full segment until more
/// input shows it is not the last.
pub struct Encryptor {
    cipher: SegmentCipher,
    segment_size: u32,
    index: u64,
    pending: Vec<u8>,
}

impl Encryptor {
    /// An encryptor under a new data key, returned for wrapping.
    pub fn new(segment_size: u32) -> Result<(Self, DataKey), CryptoError> {
        let key = DataKey::generate();
        Ok((Self::with_key(&key, segment_size)?, key))
    }

    fn with_key(key: &DataKey, segment_size: u32) -> Result<Self, CryptoError> {
        Layout::new(segment_size, 0)?;
        let mut cipher = key.cipher();
        cipher.segment_size = segment_size;
        Ok(Self {
            cipher,
            segment_size,
            index: 0,
            pending: Vec::with_capacity(segment_size as usize + SEGMENT_OVERHEAD),
        })
    }

    /// Takes `input`, returning the segments it completed, sealed (possibly none).
    pub fn update(&mut self, mut input: &[u8]) -> Vec<Vec<u8>> {
        let size = self.segment_size as usize;
        let mut sealed = Vec::new();
        while !input.is_empty() {
            if self.pending.len() == size {
                // More input: the held segment is not the last.
                sealed.push(self.seal_pending(false));
            }
            let room = size - self.pending.len();
            let (head, rest) = input.split_at(room.min(input.len()));
            self.pending.extend_from_slice(head);
            input = rest;
        }
        sealed
    }

    /// Seals the final segment (empty for an empty blob).
    pub fn finish(mut self) -> Vec<u8> {
        self.seal_pending(true)
    }

    fn seal_pending(&mut self, is_final: bool) -> Vec<u8> {
        let mut segment = std::mem::replace(
            &mut self.pending,
            Vec::with_capacity(self.segment_size as usize + SEGMENT_OVERHEAD),
        );
        let tag = self.cipher.seal(self.index, is_final, &mut segment);
        segment.extend_from_slice(tag.as_ref());
        self.index += 1;
        segment
    }
}

/// Opens the sealed segments a [`ReadPlan`] names as they stream, returning exactly the
/// planned plaintext; any damage is an error, never altered bytes.
pub struct Decryptor {
    cipher: SegmentCipher,
    layout: Layout,
    next: u64,
    end: u64,
    skip: u64,
    remaining: u64,
    /// The start of a segment whose rest has not arrived yet.
    pending: BytesMut,
}

impl Decryptor {
    pub fn new(key: &DataKey, layout: Layout, plan: &ReadPlan) -> Result<Self, CryptoError> {
        if plan.segments.end > layout.segment_count() {
            return Err(CryptoError::Range);
        }
        let mut cipher = key.cipher();
        cipher.segment_size = layout.segment_size;
        Ok(Self {
            cipher,
            layout,
            next: plan.segments.start,
            end: plan.segments.end,
            skip: plan.skip,
            remaining: plan.take,
            pending: BytesMut::new(),
        })
    }

    fn expected_len(&self) -> usize {
        self.layout.plain_segment_len(self.next) as usize + SEGMENT_OVERHEAD
    }

    /// Takes sealed bytes, returning the plaintext of the segments they completed.
    pub fn update(&mut self, input: &[u8]) -> Result<Vec<Vec<u8>>, CryptoError> {
        let mut opened = Vec::new();
        self.update_owned(BytesMut::from(input), &mut opened)?;
        Ok(opened.into_iter().map(Vec::from).collect())
    }

    /// Takes an owned buffer of sealed bytes and appends to `out` the planned plaintext of the
    /// segments they completed, as pieces of the same buffer: a segment that lies whole in
    /// `input` is opened where it lies, and only one split across calls is gathered first.
    /// Nothing is appended for a segment that fails to open.
    pub fn update_owned(
        &mut self,
        mut input: BytesMut,
        out: &mut Vec<Bytes>,
    ) -> Result<(), CryptoError> {
        while !input.is_empty() {
            if self.next >= self.end {
                return Err(CryptoError::Authentication);
            }
            let expected = self.expected_len();
            let segment = if self.pending.is_empty() && input.len() >= expected {
                input.split_to(expected)
            } else {
                if self.pending.is_empty() {
                    self.pending.reserve(expected);
                }
                let room = expected - self.pending.len();
                let head = input.split_to(room.min(input.len()));
                self.pending.extend_from_slice(&head);
                if self.pending.len() < expected {
                    break;
                }
                std::mem::take(&mut self.pending)
            };
            self.open_segment(segment, out)?;
        }
        Ok(())
    }

    /// Checks that every planned segment arrived whole.
    pub fn finish(self) -> Result<(), CryptoError> {
        if self.next < self.end || !self.pending.is_empty() {
            return Err(CryptoError::Truncated);
        }
        Ok(())
    }

    /// Opens the next segment, `ciphertext || tag`, in place and keeps the planned part of it.
    fn open_segment(
        &mut self,
        mut segment: BytesMut,
        out: &mut Vec<Bytes>,
    ) -> Result<(), CryptoError> {
        let index = self.next;
        let plain_len = self
            .cipher
            .open(index, self.layout.is_final(index), &mut segment)?;
        self.next += 1;
        segment.truncate(plain_len);
        // Keep only the planned plaintext.
        let skip = (self.skip as usize).min(segment.len());
        self.skip -= skip as u64;
        segment.advance(skip);
        let keep = (self.remaining as usize).min(segment.len());
        segment.truncate(keep);
        self.remaining -= keep as u64;
        if !segment.is_empty() {
            out.push(segment.freeze());
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "segment_tests.rs"]
mod tests;
