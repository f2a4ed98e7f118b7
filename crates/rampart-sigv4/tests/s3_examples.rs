//! The worked examples of S3's SigV4 documentation (AKIAIOSFODNN7EXAMPLE, 2013-05-24):
//! "Signature Calculations for the Authorization Header: Transferring Payload in a Single
//! Chunk", "Authenticating Requests: Using Query Parameters", "… in Multiple Chunks" and
//! "… Including Trailing Headers"; plus a body recorded from aws-sdk-rust.

mod common;

use std::time::Duration;

use bytes::BytesMut;
use common::*;
use rampart_sigv4::*;

const AMZ_DATE: &str = "20130524T000000Z";

fn verify_owned(
    r: &OwnedRequest,
    secret: &str,
    now: &str,
    region: &str,
) -> Result<(ParsedAuth, VerifiedAuth), SigV4Error> {
    let h = r.header_refs();
    let p = r.parts(&h);
    let auth = parse_auth(&p)?.expect("credentials present");
    let verified = verify(&p, &auth, secret, t(now), region)?;
    Ok((auth, verified))
}

/// The canonical request and string to sign the verifier computes, read from the
/// SignatureDoesNotMatch error that a wrong secret produces.
fn computed(r: &OwnedRequest) -> (String, String) {
    match verify_owned(r, "wrong secret", AMZ_DATE, "us-east-1") {
        Err(SigV4Error::SignatureDoesNotMatch {
            canonical_request,
            string_to_sign,
            ..
        }) => (canonical_request, string_to_sign),
        other => panic!("expected SignatureDoesNotMatch, got {other:?}"),
    }
}

fn authorization(signed_headers: &str, signature: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={S3_DOC_AKID}/20130524/us-east-1/s3/aws4_request,SignedHeaders={signed_headers},Signature={signature}"
    )
}

#[test]
fn get_object_with_range() {
    let r = OwnedRequest::new("GET", "/test.txt")
        .header("host", "examplebucket.s3.amazonaws.com")
        .header("range", "bytes=0-9")
        .header("x-amz-content-sha256", EMPTY_SHA256_HEX)
        .header("x-amz-date", AMZ_DATE)
        .header(
            "authorization",
            &authorization(
                "host;range;x-amz-content-sha256;x-amz-date",
                "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
            ),
        );
    let (auth, verified) = verify_owned(&r, S3_DOC_SECRET, AMZ_DATE, "us-east-1").unwrap();
    assert_eq!(auth.access_key_id, S3_DOC_AKID);
    assert_eq!(
        auth.scope,
        CredentialScope::new("20130524", "us-east-1", "s3")
    );
    assert_eq!(
        auth.signed_headers,
        ["host", "range", "x-amz-content-sha256", "x-amz-date"]
    );
    assert_eq!(auth.amz_date, AMZ_DATE);
    assert_eq!(auth.method, AuthMethod::Header);
    assert_eq!(auth.payload, PayloadMode::Sha256(sha256(b"")));
    assert_eq!(auth.security_token, None);
    assert_eq!(
        hex::encode(verified.seed_signature),
        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    );

    let (creq, sts) = computed(&r);
    assert_eq!(
        creq,
        "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n\
         x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
         x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n\
         e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        sts,
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n\
         7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
    );
}

#[test]
fn put_object() {
    let body = b"Welcome to Amazon S3.";
    let hash = sha256_hex(body);
    assert_eq!(
        hash,
        "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
    );
    // The documentation's request line is `PUT test$file.text`; clients send the `$` raw
    // or as %24, and both canonicalize to %24.
    for path in ["/test$file.text", "/test%24file.text"] {
        let r = OwnedRequest::new("PUT", path)
            .header("host", "examplebucket.s3.amazonaws.com")
            .header("date", "Fri, 24 May 2013 00:00:00 GMT")
            .header("x-amz-date", AMZ_DATE)
            .header("x-amz-storage-class", "REDUCED_REDUNDANCY")
            .header("x-amz-content-sha256", &hash)
            .header(
                "authorization",
                &authorization(
                    "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                    "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
                ),
            );
        let (auth, _) = verify_owned(&r, S3_DOC_SECRET, AMZ_DATE, "us-east-1").unwrap();
        assert_eq!(auth.payload, PayloadMode::Sha256(sha256(body)));
        let (creq, sts) = computed(&r);
        assert_eq!(
            creq,
            "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\nhost:examplebucket.s3.amazonaws.com\n\
             x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n\
             x-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n\
             date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n\
             44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"
        );
        assert!(
            sts.ends_with("\n9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d")
        );
    }
}

#[test]
fn get_bucket_lifecycle() {
    let r = OwnedRequest::new("GET", "/?lifecycle")
        .header("host", "examplebucket.s3.amazonaws.com")
        .header("x-amz-date", AMZ_DATE)
        .header("x-amz-content-sha256", EMPTY_SHA256_HEX)
        .header(
            "authorization",
            &authorization(
                "host;x-amz-content-sha256;x-amz-date",
                "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
            ),
        );
    verify_owned(&r, S3_DOC_SECRET, AMZ_DATE, "us-east-1").unwrap();
    let (creq, sts) = computed(&r);
    assert!(creq.starts_with("GET\n/\nlifecycle=\nhost:examplebucket.s3.amazonaws.com\n"));
    assert!(sts.ends_with("\n9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca"));
}

#[test]
fn get_bucket_list_objects() {
    let r = OwnedRequest::new("GET", "/?max-keys=2&prefix=J")
        .header("host", "examplebucket.s3.amazonaws.com")
        .header("x-amz-date", AMZ_DATE)
        .header("x-amz-content-sha256", EMPTY_SHA256_HEX)
        .header(
            "authorization",
            &authorization(
                "host;x-amz-content-sha256;x-amz-date",
                "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
            ),
        );
    verify_owned(&r, S3_DOC_SECRET, AMZ_DATE, "us-east-1").unwrap();
    let (creq, sts) = computed(&r);
    assert!(creq.starts_with("GET\n/\nmax-keys=2&prefix=J\nhost:examplebucket.s3.amazonaws.com\n"));
    assert!(sts.ends_with("\ndf57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7"));
}

#[test]
fn presigned_get_object() {
    let r = OwnedRequest::new(
        "GET",
        "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
    )
    .header("host", "examplebucket.s3.amazonaws.com");
    let (auth, _) = verify_owned(&r, S3_DOC_SECRET, "20130524T120000Z", "us-east-1").unwrap();
    assert_eq!(
        auth.method,
        AuthMethod::Presigned {
            expires_secs: 86_400
        }
    );
    assert_eq!(auth.payload, PayloadMode::Unsigned);
    assert_eq!(auth.signed_headers, ["host"]);
    let (creq, sts) = computed(&r);
    assert_eq!(
        creq,
        "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\n\
         host:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
    );
    assert!(sts.ends_with("\n3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04"));

    // Valid for exactly 86400 s, not one more.
    let at = |secs| t(AMZ_DATE) + Duration::from_secs(secs);
    let h = r.header_refs();
    let p = r.parts(&h);
    let auth = parse_auth(&p).unwrap().unwrap();
    assert!(verify(&p, &auth, S3_DOC_SECRET, at(86_400), "us-east-1").is_ok());
    assert!(matches!(
        verify(&p, &auth, S3_DOC_SECRET, at(86_401), "us-east-1"),
        Err(SigV4Error::RequestExpired {
            x_amz_expires: 86_400,
            ..
        })
    ));

    // The same URL presigned by our client matches byte for byte.
    let fresh =
        OwnedRequest::new("GET", "/test.txt").header("host", "examplebucket.s3.amazonaws.com");
    let h = fresh.header_refs();
    let params = SigningParams {
        access_key_id: S3_DOC_AKID,
        secret_access_key: S3_DOC_SECRET,
        session_token: None,
        region: "us-east-1",
        service: "s3",
        time: t(AMZ_DATE),
    };
    let url = presign_url(&fresh.parts(&h), 86_400, &params).unwrap();
    assert_eq!(url.raw_query, r.query);
}

fn doc_chunk_request(payload: &str, trailer: bool, signature: &str) -> OwnedRequest {
    let mut r = OwnedRequest::new("PUT", "/examplebucket/chunkObject.txt")
        .header("host", "s3.amazonaws.com")
        .header("x-amz-date", AMZ_DATE)
        .header("x-amz-storage-class", "REDUCED_REDUNDANCY")
        .header("x-amz-content-sha256", payload)
        .header("content-encoding", "aws-chunked")
        .header("x-amz-decoded-content-length", "66560");
    let signed = if trailer {
        r = r.header("x-amz-trailer", "x-amz-checksum-crc32c");
        "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer"
    } else {
        r = r.header("content-length", "66824");
        "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class"
    };
    r.header("authorization", &authorization(signed, signature))
}

fn chunk(size_hex: &str, sig: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("{size_hex};chunk-signature={sig}\r\n").into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
    out
}

type Trailers = Option<Vec<(String, String)>>;

/// Feeds `body` to a decoder in `step`-byte pieces and returns the data and trailers.
fn decode_all(
    mode: ChunkedMode,
    body: &[u8],
    step: usize,
) -> Result<(Vec<u8>, Trailers), SigV4Error> {
    let mut decoder = ChunkedDecoder::new(mode);
    let mut buf = BytesMut::new();
    let (mut data, mut trailers) = (Vec::new(), None);
    let mut handle = |event: ChunkEvent| match event {
        ChunkEvent::Data(d) => data.extend_from_slice(&d),
        ChunkEvent::Trailers(t) => trailers = Some(t),
        ChunkEvent::End => {}
    };
    for piece in body.chunks(step.max(1)) {
        buf.extend_from_slice(piece);
        while let Some(event) = decoder.decode(&mut buf)? {
            handle(event);
        }
    }
    while let Some(event) = decoder.finish(&mut buf)? {
        handle(event);
    }
    assert!(decoder.is_done());
    Ok((data, trailers))
}

#[test]
fn chunked_upload_example() {
    let r = doc_chunk_request(
        STREAMING_SIGNED,
        false,
        "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
    );
    let (auth, verified) = verify_owned(&r, S3_DOC_SECRET, AMZ_DATE, "us-east-1").unwrap();
    assert_eq!(auth.payload, PayloadMode::StreamingSigned);

    let mut body = chunk(
        "10000",
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        &[b'a'; 65536],
    );
    body.extend(chunk(
        "400",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        &[b'a'; 1024],
    ));
    body.extend(chunk(
        "0",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
        b"",
    ));
    assert_eq!(body.len(), 66824, "the documented Content-Length");

    let mode = ChunkedMode::for_payload(auth.payload, &verified).unwrap();
    for step in [1, 7, 4096, 65536, body.len()] {
        let (data, trailers) = decode_all(mode.clone(), &body, step).unwrap();
        assert_eq!(data, vec![b'a'; 66560]);
        assert_eq!(trailers, None);
    }
    // Our encoder writes exactly the documented body (sizes in lowercase hex).
    assert_eq!(encode_aws_chunked(&mode, &[b'a'; 66560], 65536, &[]), body);
}

#[test]
fn chunked_upload_with_trailer_example() {
    let r = doc_chunk_request(
        STREAMING_SIGNED_TRAILER,
        true,
        "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
    );
    let (auth, verified) = verify_owned(&r, S3_DOC_SECRET, AMZ_DATE, "us-east-1").unwrap();
    assert_eq!(auth.payload, PayloadMode::StreamingSignedTrailer);
    let mode = ChunkedMode::for_payload(auth.payload, &verified).unwrap();

    let mut chunks = chunk(
        "10000",
        "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
        &[b'a'; 65536],
    );
    chunks.extend(chunk(
        "400",
        "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
        &[b'a'; 1024],
    ));
    let last =
        "0;chunk-signature=2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992\r\n";
    let trailer = "x-amz-checksum-crc32c:sOO8/Q==\r\n\
                   x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n";
    let expected = vec![("x-amz-checksum-crc32c".to_owned(), "sOO8/Q==".to_owned())];
    // The documented layout (an empty line after the final chunk), the SDKs' layout
    // (none), and either without the closing CRLF.
    for layout in [
        format!("{last}\r\n{trailer}\r\n"),
        format!("{last}{trailer}\r\n"),
        format!("{last}\r\n{trailer}"),
        format!("{last}{trailer}"),
    ] {
        let mut body = chunks.clone();
        body.extend_from_slice(layout.as_bytes());
        for step in [1, 13, 65536, body.len()] {
            let (data, trailers) = decode_all(mode.clone(), &body, step).unwrap();
            assert_eq!(data.len(), 66560);
            assert_eq!(trailers.as_ref(), Some(&expected), "{layout:?}");
        }
    }
    let encoded = encode_aws_chunked(
        &mode,
        &[b'a'; 66560],
        65536,
        &[("x-amz-checksum-crc32c", "sOO8/Q==")],
    );
    let mut sdk_layout = chunks.clone();
    sdk_layout.extend_from_slice(format!("{last}{trailer}\r\n").as_bytes());
    assert_eq!(encoded, sdk_layout);
}

/// A PutObject that aws-sdk-rust sent to S3 (and S3 accepted), recorded in the
/// `aws-sdk-s3` crate's `tests/data/aws_chunked/chunk-signing.json`: 10 KiB of `a` in
/// 8 KiB chunks, signed, with a CRC32 trailer; the SDK's test credentials.
#[test]
fn aws_sdk_rust_recorded_signed_trailer_upload() {
    let r = OwnedRequest::new("PUT", "/10KiBofA.txt?x-id=PutObject")
        .header("host", "test-bucket.s3.us-east-1.amazonaws.com")
        .header("content-type", "application/octet-stream")
        .header("content-length", "10291")
        .header("x-amz-sdk-checksum-algorithm", "CRC32")
        .header("user-agent", "aws-sdk-rust/0.123.test os/windows/XPSP3 lang/rust/1.50.0")
        .header(
            "x-amz-user-agent",
            "aws-sdk-rust/0.123.test ua/0.1 api/test-service/0.123 os/windows/XPSP3 lang/rust/1.50.0 m/U,Z,E md/http#replaying-client",
        )
        .header("x-amz-trailer", "x-amz-checksum-crc32")
        .header("x-amz-decoded-content-length", "10240")
        .header("content-encoding", "aws-chunked")
        .header("x-amz-date", "20090213T233130Z")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=ANOTREAL/20090213/us-east-1/s3/aws4_request, SignedHeaders=content-encoding;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-sdk-checksum-algorithm;x-amz-trailer;x-amz-user-agent, Signature=4d5247cc603cc816a7ab5272ed9e47cf173e45bc42bfa68e1181267dd0f0bf73",
        )
        .header("x-amz-content-sha256", STREAMING_SIGNED_TRAILER)
        .header("amz-sdk-request", "attempt=1; max=3");
    let (auth, verified) = verify_owned(
        &r,
        "notrealrnrELgWzOk3IfjzDKtFBhDby",
        "20090213T233130Z",
        "us-east-1",
    )
    .unwrap();
    let mode = ChunkedMode::for_payload(auth.payload, &verified).unwrap();

    let mut body = chunk(
        "2000",
        "25851a3d29c435720498cdfd7540bb131ae653ea7371cb885f4fe1ba092d37f3",
        &[b'a'; 8192],
    );
    body.extend(chunk(
        "800",
        "bf16b3638d50be9f090044f98d838e6643fa2d37db299cbdb884a92d2a659a03",
        &[b'a'; 2048],
    ));
    body.extend_from_slice(
        b"0;chunk-signature=7110bd9a94d4fa381c0ad159f6b14acb99e93ecec95cb3fd0fd61b414a692ae6\r\n\
          x-amz-checksum-crc32:X9RA0w==\r\n\
          x-amz-trailer-signature:a1764ee8bc0edc8b723a91b19c28bbcc7f8ac8a5932b0e7b7497dd6a8fee78f0\r\n\r\n",
    );
    // The recorded body (its signed Content-Length header says 10291; the bytes are these).
    assert_eq!(body.len(), 10624);
    for step in [1, 100, body.len()] {
        let (data, trailers) = decode_all(mode.clone(), &body, step).unwrap();
        assert_eq!(data, vec![b'a'; 10240]);
        assert_eq!(
            trailers.unwrap(),
            [("x-amz-checksum-crc32".to_owned(), "X9RA0w==".to_owned())]
        );
    }
    assert_eq!(
        encode_aws_chunked(
            &mode,
            &[b'a'; 10240],
            8192,
            &[("x-amz-checksum-crc32", "X9RA0w==")]
        ),
        body
    );
}
