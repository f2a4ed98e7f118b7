//! Combining CRCs: the CRC of `a ++ b` from `crc(a)`, `crc(b)` and `len(b)`, as zlib's
//! `crc32_combine` does it, for any reflected CRC of up to 64 bits.
//!
//! crc-fast computes the CRCs themselves; its combine costs ~230 µs per call (it derives
//! x^(8·len) mod P afresh every time), which made completing a 1000-part upload take 220 ms
//! (docs/PERFORMANCE.md). Here the powers x^(2^k) mod P are computed once per polynomial, so a
//! combine is at most 64 carry-less multiplications: about a microsecond.

use std::sync::OnceLock;

/// A reflected CRC: width in bits and the reflected polynomial. Valid for the standard CRCs
/// whose initial value equals their final XOR (CRC32, CRC32C, CRC64NVME), for which
/// `crc(a ++ b) = crc(a)·x^(8·len(b)) ⊕ crc(b)`.
pub(crate) struct ReflectedCrc {
    width: u32,
    poly: u64,
    powers: OnceLock<[u64; 64]>,
}

pub(crate) static CRC32: ReflectedCrc = ReflectedCrc::new(32, 0xEDB8_8320);
pub(crate) static CRC32C: ReflectedCrc = ReflectedCrc::new(32, 0x82F6_3B78);
pub(crate) static CRC64NVME: ReflectedCrc = ReflectedCrc::new(64, 0x9A6C_9329_AC4B_C9B5);

impl ReflectedCrc {
    const fn new(width: u32, poly: u64) -> Self {
        Self {
            width,
            poly,
            powers: OnceLock::new(),
        }
    }

    /// x^0 (the polynomial 1) in the reflected representation: the top bit.
    fn one(&self) -> u64 {
        1 << (self.width - 1)
    }

    /// a·b mod P, reflected.
    fn mul(&self, a: u64, mut b: u64) -> u64 {
        let mut m = self.one();
        let mut p = 0;
        loop {
            if a & m != 0 {
                p ^= b;
                if a & (m - 1) == 0 {
                    return p;
                }
            }
            m >>= 1;
            b = if b & 1 != 0 {
                (b >> 1) ^ self.poly
            } else {
                b >> 1
            };
        }
    }

    /// x^(2^k) mod P for k = 0..64, computed once.
    fn powers(&self) -> &[u64; 64] {
        self.powers.get_or_init(|| {
            let mut table = [0u64; 64];
            table[0] = self.one() >> 1; // x^1
            for k in 1..64 {
                table[k] = self.mul(table[k - 1], table[k - 1]);
            }
            table
        })
    }

    /// x^(8·bytes) mod P.
    fn shift_for(&self, bytes: u64) -> u64 {
        let powers = self.powers();
        let mut p = self.one();
        // 8·bytes = bytes·2^3: walk the bits of `bytes`, starting at power 3.
        let (mut n, mut k) = (bytes, 3usize);
        while n != 0 {
            if n & 1 != 0 {
                p = self.mul(powers[k % 64], p);
            }
            n >>= 1;
            k += 1;
        }
        p
    }

    pub(crate) fn combine(&self, crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
        self.mul(self.shift_for(len_b), crc_a) ^ crc_b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crc(algorithm: crc_fast::CrcAlgorithm, data: &[u8]) -> u64 {
        crc_fast::checksum(algorithm, data)
    }

    #[test]
    fn matches_concatenation_and_crc_fast() {
        use crc_fast::CrcAlgorithm as C;
        let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7 + i / 13) as u8).collect();
        for (ours, theirs) in [
            (&CRC32, C::Crc32IsoHdlc),
            (&CRC32C, C::Crc32Iscsi),
            (&CRC64NVME, C::Crc64Nvme),
        ] {
            for split in [0usize, 1, 7, 8, 63, 64, 1000, 19_999, 20_000] {
                let (a, b) = data.split_at(split);
                let whole = crc(theirs, &data);
                let combined = ours.combine(crc(theirs, a), crc(theirs, b), b.len() as u64);
                assert_eq!(combined, whole, "split {split}");
                assert_eq!(
                    combined,
                    crc_fast::checksum_combine(
                        theirs,
                        crc(theirs, a),
                        crc(theirs, b),
                        b.len() as u64
                    )
                );
            }
        }
    }

    #[test]
    fn huge_lengths_agree_with_crc_fast() {
        use crc_fast::CrcAlgorithm as C;
        for len in [5u64 << 20, 5 << 30, (1 << 40) + 12_345] {
            for (ours, theirs) in [(&CRC32, C::Crc32IsoHdlc), (&CRC64NVME, C::Crc64Nvme)] {
                let (a, b) = (
                    0x1234_5678_9abc_def0 & mask(ours),
                    0x0fed_cba9_8765_4321 & mask(ours),
                );
                assert_eq!(
                    ours.combine(a, b, len),
                    crc_fast::checksum_combine(theirs, a, b, len),
                    "len {len}"
                );
            }
        }
    }

    fn mask(crc: &ReflectedCrc) -> u64 {
        if crc.width == 64 {
            u64::MAX
        } else {
            (1 << crc.width) - 1
        }
    }
}
