//! aws-chunked streaming through the C ABI: the two AWS S3 documentation
//! examples byte for byte, and the framing of edge sizes checked against an
//! independent re-computation with the `hmac`/`sha2` crates.

mod common;

use common::upload::*;
use common::*;
use hmac::{KeyInit, Mac};
use sha2::Digest;
use sigv4rs::ffi::*;

fn doc_signer(unsigned: &[&[u8]]) -> Signer {
    let names: Vec<sigv4rs_bytes> = unsigned.iter().map(|n| b(n)).collect();
    let mut cfg = config(&Creds {
        akid: DOC_AKID,
        secret: DOC_SECRET,
        token: "",
        region: "us-east-1",
        service: "s3",
        flags: SIGV4RS_FLAG_S3,
    });
    cfg.unsigned_headers = names.as_ptr();
    cfg.unsigned_headers_len = names.len();
    let mut out = std::ptr::null_mut();
    assert_eq!(sigv4rs_signer_new(&cfg, &mut out), sigv4rs_status::Ok);
    Signer(out)
}

fn chunk_sigs(body: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(body);
    text.split("chunk-signature=")
        .skip(1)
        .map(|s| s[..64].to_string())
        .collect()
}

#[test]
fn aws_documentation_streaming_example() {
    // "Signature Calculations for the Authorization Header: Transferring
    // Payload in Multiple Chunks (Chunked Upload)", AWS S3 API reference.
    let s = doc_signer(&[]);
    let extra = vec![("x-amz-storage-class".to_string(), "REDUCED_REDUNDANCY".to_string())];
    let stream = sigv4rs_stream {
        mode: 0,
        checksum: 0,
        decoded_length: 66_560,
        chunk_size: 65_536,
    };
    let u = upload(
        &s,
        "https://s3.amazonaws.com/examplebucket/chunkObject.txt",
        &extra,
        DOC_TIME,
        stream,
        &[b'a'; 66_560],
    );
    assert_eq!(header(&u, "Content-Length"), Some("66824"));
    assert_eq!(header(&u, "X-Amz-Decoded-Content-Length"), Some("66560"));
    assert_eq!(header(&u, "Content-Encoding"), Some("aws-chunked"));
    assert_eq!(
        header(&u, "X-Amz-Content-SHA256"),
        Some("STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    );
    let auth = header(&u, "Authorization").unwrap();
    assert!(
        auth.ends_with(
            "SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;\
             x-amz-decoded-content-length;x-amz-storage-class, \
             Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
        ),
        "{auth}"
    );
    assert_eq!(
        chunk_sigs(&u.body),
        [
            "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
            "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
            "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
        ]
    );
    // The whole body, byte for byte, as the documentation lays it out.
    let mut want =
        b"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n".to_vec();
    want.extend_from_slice(&[b'a'; 65_536]);
    want.extend_from_slice(
        b"\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n",
    );
    want.extend_from_slice(&[b'a'; 1024]);
    want.extend_from_slice(
        b"\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n",
    );
    assert!(u.body == want);
    assert_eq!(u.body.len() as u64, u.declared_len);
}

#[test]
fn aws_documentation_trailer_example() {
    // "... Including Trailing Headers": the same object with a CRC32C
    // trailer; that example does not sign Content-Length.
    let s = doc_signer(&[b"content-length"]);
    let extra = vec![("x-amz-storage-class".to_string(), "REDUCED_REDUNDANCY".to_string())];
    let stream = sigv4rs_stream {
        mode: 1,
        checksum: 2,
        decoded_length: 66_560,
        chunk_size: 65_536,
    };
    let u = upload(
        &s,
        "https://s3.amazonaws.com/examplebucket/chunkObject.txt",
        &extra,
        DOC_TIME,
        stream,
        &[b'a'; 66_560],
    );
    assert_eq!(header(&u, "X-Amz-Trailer"), Some("x-amz-checksum-crc32c"));
    assert!(
        header(&u, "Authorization")
            .unwrap()
            .ends_with("Signature=106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"),
        "{:?}",
        u.headers
    );
    assert_eq!(
        chunk_sigs(&u.body),
        [
            "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
            "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
            "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
        ]
    );
    let tail = String::from_utf8_lossy(&u.body[u.body.len() - 150..]).to_string();
    assert!(
        tail.ends_with(
            "\r\nx-amz-checksum-crc32c:sOO8/Q==\r\n\
             x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n\r\n"
        ),
        "{tail:?}"
    );
    assert_eq!(u.body.len() as u64, u.declared_len);
}

fn hmac256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    m.update(msg);
    m.finalize().into_bytes().to_vec()
}

fn hexs(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Parses an aws-chunked body independently and checks every signature
/// and the trailer; returns the decoded data.
fn verify_body(body: &[u8], seed: &str, mode: u32, scope: &str, date: &str, key: &[u8]) -> Vec<u8> {
    let empty = hexs(&sha2::Sha256::digest(b""));
    let mut prev = seed.to_string();
    let mut data = Vec::new();
    let mut rest = body;
    loop {
        let eol = rest.windows(2).position(|w| w == b"\r\n").expect("chunk header line");
        let line = std::str::from_utf8(&rest[..eol]).unwrap();
        rest = &rest[eol + 2..];
        let (size_hex, sig) = match line.split_once(";chunk-signature=") {
            Some((h, s)) => (h, Some(s)),
            None => (line, None),
        };
        let size = usize::from_str_radix(size_hex, 16).unwrap();
        let chunk = &rest[..size];
        if mode != 2 {
            let sts = format!(
                "AWS4-HMAC-SHA256-PAYLOAD\n{date}\n{scope}\n{prev}\n{empty}\n{}",
                hexs(&sha2::Sha256::digest(chunk))
            );
            let want = hexs(&hmac256(key, sts.as_bytes()));
            assert_eq!(sig, Some(want.as_str()), "chunk signature");
            prev = want;
        } else {
            assert!(sig.is_none());
        }
        data.extend_from_slice(chunk);
        rest = &rest[size..];
        if size == 0 {
            break;
        }
        assert_eq!(&rest[..2], b"\r\n");
        rest = &rest[2..];
    }
    if mode == 0 {
        assert_eq!(rest, b"\r\n");
    } else {
        let text = std::str::from_utf8(rest).unwrap();
        let mut lines = text.split("\r\n");
        let trailer = lines.next().unwrap();
        let (name, value) = trailer.split_once(':').unwrap();
        use common::checksum_ref::expected_checksum;
        assert_eq!(value, expected_checksum(name, &data), "{name}");
        if mode == 1 {
            let tsig = lines.next().unwrap().strip_prefix("x-amz-trailer-signature:").unwrap();
            let sts = format!(
                "AWS4-HMAC-SHA256-TRAILER\n{date}\n{scope}\n{prev}\n{}",
                hexs(&sha2::Sha256::digest(format!("{trailer}\n").as_bytes()))
            );
            assert_eq!(tsig, hexs(&hmac256(key, sts.as_bytes())), "trailer signature");
        }
        assert_eq!(lines.collect::<Vec<_>>(), ["", ""], "closing blank line");
    }
    data
}

#[test]
fn edge_sizes_in_every_mode() {
    let s = doc_signer(&[]);
    let mut key = hmac256(format!("AWS4{DOC_SECRET}").as_bytes(), b"20130524");
    for part in ["us-east-1", "s3", "aws4_request"] {
        key = hmac256(&key, part.as_bytes());
    }
    let chunk = 8192u32;
    for (mode, checksum) in [
        (0u32, 0u32),
        (1, 1),
        (1, 2),
        (1, 3),
        (1, 4),
        (1, 5),
        (2, 1),
        (2, 3),
        (2, 4),
        (2, 5),
    ] {
        for len in [0usize, 1, 8191, 8192, 8193, 3 * 8192, 3 * 8192 + 5] {
            let data: Vec<u8> = (0..len).map(|i| (i * 31 + 7) as u8).collect();
            let stream = sigv4rs_stream {
                mode,
                checksum,
                decoded_length: len as u64,
                chunk_size: chunk,
            };
            let u = upload(&s, "https://b.s3.amazonaws.com/k", &[], DOC_TIME, stream, &data);
            assert_eq!(
                u.body.len() as u64,
                u.declared_len,
                "mode {mode} checksum {checksum} len {len}"
            );
            assert_eq!(header(&u, "Content-Length"), Some(u.declared_len.to_string().as_str()));
            let seed = header(&u, "Authorization")
                .unwrap()
                .rsplit("Signature=")
                .next()
                .unwrap()
                .to_string();
            let got = verify_body(
                &u.body,
                &seed,
                mode,
                "20130524/us-east-1/s3/aws4_request",
                "20130524T000000Z",
                &key,
            );
            assert!(got == data, "mode {mode} len {len}: decoded data differs");
        }
    }
}

#[test]
fn misuse_is_refused() {
    let s = doc_signer(&[]);
    let req = sigv4rs_request {
        method: b(b"PUT"),
        url: b(b"https://b.s3.amazonaws.com/k"),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: std::ptr::null(),
        headers_len: 0,
        payload_mode: 0,
        payload: b(b""),
    };
    let mut len = 0usize;
    let mut n = 0u64;
    let mut buf = [0u8; 2048];
    let mut state = sigv4rs_chunked {
        _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
    };
    use sigv4rs_status as S;
    // Bad stream shapes.
    for (mode, checksum, size) in [
        (0u32, 1u32, 8192u32),
        (1, 0, 8192),
        (2, 0, 8192),
        (3, 1, 8192),
        (4, 0, 8192),
        (5, 0, 8192),
        (0, 9, 8192),
        (0, 0, 0),
    ] {
        let st = sigv4rs_stream {
            mode,
            checksum,
            decoded_length: 10,
            chunk_size: size,
        };
        assert_eq!(sigv4rs_chunked_encoded_length(&st, &mut n), S::InvalidArgument);
        assert_eq!(
            sigv4rs_chunked_begin(
                s.0,
                &req,
                DOC_TIME,
                &st,
                &mut state,
                buf.as_mut_ptr(),
                buf.len(),
                &mut len
            ),
            S::InvalidArgument
        );
    }
    let huge = sigv4rs_stream {
        mode: 0,
        checksum: 0,
        decoded_length: u64::MAX,
        chunk_size: 1,
    };
    assert_eq!(sigv4rs_chunked_encoded_length(&huge, &mut n), S::InputTooLong);
    assert_eq!(
        sigv4rs_chunked_encoded_length(std::ptr::null(), &mut n),
        S::NullArgument
    );
    let st = sigv4rs_stream {
        mode: 0,
        checksum: 0,
        decoded_length: 10,
        chunk_size: 4,
    };
    assert_eq!(
        sigv4rs_chunked_encoded_length(&st, std::ptr::null_mut()),
        S::NullArgument
    );
    // Chunks before begin.
    assert_eq!(
        sigv4rs_chunked_sign_chunk(s.0, &mut state, b(b"abcd"), buf.as_mut_ptr(), buf.len(), &mut len),
        S::NotInitialized
    );
    assert_eq!(
        sigv4rs_chunked_begin(
            s.0,
            &req,
            DOC_TIME,
            &st,
            std::ptr::null_mut(),
            buf.as_mut_ptr(),
            buf.len(),
            &mut len
        ),
        S::NullArgument
    );
    // A too-small seed buffer leaves the state untouched.
    assert_eq!(
        sigv4rs_chunked_begin(s.0, &req, DOC_TIME, &st, &mut state, buf.as_mut_ptr(), 10, &mut len),
        S::BufferTooSmall
    );
    assert!(state._opaque.iter().all(|&w| w == 0));
    assert_eq!(
        sigv4rs_chunked_begin(
            s.0,
            &req,
            DOC_TIME,
            &st,
            &mut state,
            buf.as_mut_ptr(),
            buf.len(),
            &mut len
        ),
        S::Ok
    );
    // Wrong sizes: short, long, empty.
    for bad in [&b"abc"[..], b"abcde", b""] {
        assert_eq!(
            sigv4rs_chunked_sign_chunk(s.0, &mut state, b(bad), buf.as_mut_ptr(), buf.len(), &mut len),
            S::InvalidChunkSize
        );
    }
    // Too-small output: refused, state unchanged (the retry succeeds).
    let mut small = [0xA5u8; 8];
    assert_eq!(
        sigv4rs_chunked_sign_chunk(s.0, &mut state, b(b"abcd"), small.as_mut_ptr(), small.len(), &mut len),
        S::BufferTooSmall
    );
    assert!(small.iter().all(|&c| c == 0xA5));
    assert_eq!(len, 1 + 17 + 64 + 2);
    assert_eq!(
        sigv4rs_chunked_sign_chunk(s.0, &mut state, b(b"abcd"), buf.as_mut_ptr(), buf.len(), &mut len),
        S::Ok
    );
    assert_eq!(
        sigv4rs_chunked_finish(s.0, &mut state, buf.as_mut_ptr(), buf.len(), &mut len),
        S::IncompletePayload
    );
    assert_eq!(
        sigv4rs_chunked_sign_chunk(s.0, &mut state, b(b"efgh"), buf.as_mut_ptr(), buf.len(), &mut len),
        S::Ok
    );
    // The last chunk is the remainder: 2 bytes, not 4.
    assert_eq!(
        sigv4rs_chunked_sign_chunk(s.0, &mut state, b(b"ijkl"), buf.as_mut_ptr(), buf.len(), &mut len),
        S::InvalidChunkSize
    );
    assert_eq!(
        sigv4rs_chunked_sign_chunk(s.0, &mut state, b(b"ij"), buf.as_mut_ptr(), buf.len(), &mut len),
        S::Ok
    );
    assert_eq!(
        sigv4rs_chunked_sign_chunk(s.0, &mut state, b(b"k"), buf.as_mut_ptr(), buf.len(), &mut len),
        S::InvalidChunkSize
    );
    assert_eq!(
        sigv4rs_chunked_finish(s.0, &mut state, buf.as_mut_ptr(), 3, &mut len),
        S::BufferTooSmall
    );
    assert_eq!(
        sigv4rs_chunked_finish(s.0, &mut state, buf.as_mut_ptr(), buf.len(), &mut len),
        S::Ok
    );
    assert_eq!(
        sigv4rs_chunked_finish(s.0, &mut state, buf.as_mut_ptr(), buf.len(), &mut len),
        S::NotInitialized
    );
    // Presign has no streaming form; NULL signer.
    assert_eq!(
        sigv4rs_chunked_begin(
            std::ptr::null(),
            &req,
            DOC_TIME,
            &st,
            &mut state,
            buf.as_mut_ptr(),
            buf.len(),
            &mut len
        ),
        S::NullArgument
    );
}

#[test]
fn documented_output_bounds_hold_and_encoding_is_kept() {
    // The largest chunk header (8 hex digits) and end of body (sha256 trailer).
    let s = doc_signer(&[]);
    let data = vec![1u8; 0x1000_0000 + 1];
    let big = sigv4rs_stream {
        mode: 1,
        checksum: 3,
        decoded_length: data.len() as u64,
        chunk_size: 0x1000_0000,
    };
    let u = upload(&s, "https://b.s3.amazonaws.com/k", &[], DOC_TIME, big, &data);
    let first_line = u.body.split(|&c| c == b'\n').next().unwrap().len() + 1;
    assert_eq!(first_line, SIGV4RS_CHUNK_HEADER_MAX_LEN);
    let tail_start = u.body.windows(3).rposition(|w| w == b"\n0;").unwrap() + 1;
    assert_eq!(u.body.len() - tail_start, SIGV4RS_CHUNKED_FINISH_MAX_LEN);
    // A caller's Content-Encoding stays, after aws-chunked.
    let extra = vec![("Content-Encoding".to_string(), " gzip ".to_string())];
    let small = sigv4rs_stream {
        mode: 0,
        checksum: 0,
        decoded_length: 3,
        chunk_size: 8192,
    };
    let u = upload(&s, "https://b.s3.amazonaws.com/k", &extra, DOC_TIME, small, b"abc");
    assert_eq!(header(&u, "Content-Encoding"), Some("aws-chunked,gzip"));
}
