//! Encoding an aws-chunked body, as an SDK does: for tests and for the server's
//! end-to-end tests that craft raw requests.

use crate::chunked::{ChunkedMode, canonical_trailers};
use crate::signing::{chunk_string_to_sign, sha256, trailer_string_to_sign};

/// Encodes `data` in chunks of `chunk_size` bytes (the last one shorter, then the final
/// 0-size chunk), followed by `trailers` in the trailer modes. Signed modes sign every
/// chunk and the trailers, starting from the mode's seed signature. `chunk_size` 0 means
/// one chunk for all of `data`.
pub fn encode_aws_chunked(
    mode: &ChunkedMode,
    data: &[u8],
    chunk_size: usize,
    trailers: &[(&str, &str)],
) -> Vec<u8> {
    let chunk_size = if chunk_size == 0 {
        data.len().max(1)
    } else {
        chunk_size
    };
    let mut out = Vec::with_capacity(data.len() + (data.len() / chunk_size + 2) * 90 + 256);
    let chunks = data.chunks(chunk_size).chain(std::iter::once(&[][..]));
    match mode {
        ChunkedMode::Signed {
            signing_key,
            seed_signature,
            amz_date,
            scope,
            with_trailer,
        } => {
            let mut previous = *seed_signature;
            for chunk in chunks {
                let sts = chunk_string_to_sign(amz_date, scope, &previous, &sha256(chunk));
                previous = signing_key.sign(sts.as_bytes());
                out.extend_from_slice(
                    format!(
                        "{:x};chunk-signature={}\r\n",
                        chunk.len(),
                        hex::encode(previous)
                    )
                    .as_bytes(),
                );
                if !chunk.is_empty() {
                    out.extend_from_slice(chunk);
                    out.extend_from_slice(b"\r\n");
                }
            }
            if *with_trailer {
                let owned: Vec<(String, String)> = trailers
                    .iter()
                    .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_owned()))
                    .collect();
                for (name, value) in &owned {
                    out.extend_from_slice(format!("{name}:{value}\r\n").as_bytes());
                }
                let sts =
                    trailer_string_to_sign(amz_date, scope, &previous, &canonical_trailers(&owned));
                let signature = hex::encode(signing_key.sign(sts.as_bytes()));
                out.extend_from_slice(
                    format!("x-amz-trailer-signature:{signature}\r\n").as_bytes(),
                );
            }
            out.extend_from_slice(b"\r\n");
        }
        ChunkedMode::Unsigned { with_trailer } => {
            for chunk in chunks {
                out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                if !chunk.is_empty() {
                    out.extend_from_slice(chunk);
                    out.extend_from_slice(b"\r\n");
                }
            }
            if *with_trailer {
                for (name, value) in trailers {
                    out.extend_from_slice(
                        format!("{}:{}\r\n", name.to_ascii_lowercase(), value.trim()).as_bytes(),
                    );
                }
            }
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}
