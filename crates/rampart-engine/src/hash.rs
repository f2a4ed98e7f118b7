//! MD5 for ETags and Content-MD5, from the fastest implementation available.

/// An incremental MD5. OpenSSL's assembly implementation when built with `openssl-md5` and
/// the library permits MD5 (a FIPS-mode OpenSSL does not); the pure-Rust one otherwise.
pub enum Md5 {
    #[cfg(feature = "openssl-md5")]
    OpenSsl(openssl::hash::Hasher),
    Rust(md5::Md5),
}

impl Md5 {
    pub fn new() -> Self {
        #[cfg(feature = "openssl-md5")]
        if let Ok(h) = openssl::hash::Hasher::new(openssl::hash::MessageDigest::md5()) {
            return Self::OpenSsl(h);
        }
        use md5::Digest;
        Self::Rust(md5::Md5::new())
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            #[cfg(feature = "openssl-md5")]
            Self::OpenSsl(h) => {
                if h.update(data).is_err() {
                    // OpenSSL's MD5 update cannot fail once initialised; should it ever, fall
                    // back rather than produce a wrong digest.
                    unreachable_openssl_failure();
                }
            }
            Self::Rust(h) => md5::Digest::update(h, data),
        }
    }

    pub fn finalize(self) -> [u8; 16] {
        match self {
            #[cfg(feature = "openssl-md5")]
            Self::OpenSsl(mut h) => {
                let mut out = [0u8; 16];
                match h.finish() {
                    Ok(d) if d.len() == 16 => out.copy_from_slice(&d),
                    _ => unreachable_openssl_failure(),
                }
                out
            }
            Self::Rust(h) => md5::Digest::finalize(h).into(),
        }
    }

    /// The MD5 of a whole buffer.
    pub fn digest(data: &[u8]) -> [u8; 16] {
        let mut h = Self::new();
        h.update(data);
        h.finalize()
    }
}

impl Default for Md5 {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "openssl-md5")]
#[cold]
fn unreachable_openssl_failure() -> ! {
    // Aborting is the only safe answer: an ETag from a half-updated digest would be wrong
    // silently, and every later integrity check would inherit it.
    panic!("OpenSSL MD5 failed after successful initialisation")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc1321_vectors() {
        let cases: [(&[u8], &str); 3] = [
            (b"", "d41d8cd98f00b204e9800998ecf8427e"),
            (b"abc", "900150983cd24fb0d6963f7d28e17f72"),
            (
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(hex::encode(Md5::digest(input)), expected);
            let mut h = Md5::Rust(<md5::Md5 as md5::Digest>::new());
            h.update(input);
            assert_eq!(hex::encode(h.finalize()), expected);
        }
    }

    #[test]
    fn incremental_equals_one_shot() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let mut h = Md5::new();
        for chunk in data.chunks(777) {
            h.update(chunk);
        }
        assert_eq!(h.finalize(), Md5::digest(&data));
    }
}
