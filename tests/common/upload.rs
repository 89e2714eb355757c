//! An aws-chunked upload signed through the C ABI: the seed headers and
//! the encoded body (tests/chunked.rs, tests/verify_body.rs); the AWS S3
//! documentation's chunked uploads as printed there.

use super::*;
use sigv4rs::ffi::*;

pub const DOC_TIME: i64 = 1_369_353_600; // 2013-05-24T00:00:00Z
pub const DOC_AKID: &str = "AKIAIOSFODNN7EXAMPLE";
pub const DOC_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

pub struct Upload {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub declared_len: u64,
}

/// Streams `data` through the C ABI and returns the seed headers and the
/// encoded body.
pub fn upload(
    signer: &Signer,
    url: &str,
    extra: &[(String, String)],
    time: i64,
    stream: sigv4rs_stream,
    data: &[u8],
) -> Upload {
    let hs = c_headers(extra);
    let req = sigv4rs_request {
        method: b(b"PUT"),
        url: b(url.as_bytes()),
        host: b(b""),
        path: b(b""),
        query: b(b""),
        headers: hs.as_ptr(),
        headers_len: hs.len(),
        payload_mode: 0,
        payload: b(b""),
    };
    let mut state = sigv4rs_chunked {
        _opaque: [0; SIGV4RS_CHUNKED_STATE_SIZE / 8],
    };
    let sp: *mut sigv4rs_chunked = &mut state;
    let seed = call_out(&|o, c, l| sigv4rs_chunked_begin(signer.0, &req, time, &stream, sp, o, c, l)).unwrap();
    let mut declared = 0u64;
    assert_eq!(
        sigv4rs_chunked_encoded_length(&stream, &mut declared),
        sigv4rs_status::Ok
    );
    let mut body = Vec::new();
    let mut buf = [0u8; 256];
    for chunk in data.chunks(stream.chunk_size as usize) {
        let mut len = 0;
        assert_eq!(
            sigv4rs_chunked_sign_chunk(signer.0, &mut state, b(chunk), buf.as_mut_ptr(), buf.len(), &mut len),
            sigv4rs_status::Ok
        );
        body.extend_from_slice(&buf[..len]);
        body.extend_from_slice(chunk);
        body.extend_from_slice(b"\r\n");
    }
    let mut len = 0;
    assert_eq!(
        sigv4rs_chunked_finish(signer.0, &mut state, buf.as_mut_ptr(), buf.len(), &mut len),
        sigv4rs_status::Ok
    );
    body.extend_from_slice(&buf[..len]);
    // Spent.
    assert_eq!(
        sigv4rs_chunked_finish(signer.0, &mut state, buf.as_mut_ptr(), buf.len(), &mut len),
        sigv4rs_status::NotInitialized
    );
    Upload {
        headers: split_headers(&seed),
        body,
        declared_len: declared,
    }
}

pub fn header<'a>(u: &'a Upload, name: &str) -> Option<&'a str> {
    u.headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

pub fn hv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
}

/// The documentation's chunked body: 64 KiB and 1 KiB of `a`, each chunk
/// with its signature, then the final chunk and `end`.
pub fn doc_body(sigs: [&str; 3], end: &str) -> Vec<u8> {
    let mut v = format!("10000;chunk-signature={}\r\n", sigs[0]).into_bytes();
    v.extend_from_slice(&[b'a'; 65_536]);
    v.extend_from_slice(format!("\r\n400;chunk-signature={}\r\n", sigs[1]).as_bytes());
    v.extend_from_slice(&[b'a'; 1024]);
    v.extend_from_slice(format!("\r\n0;chunk-signature={}\r\n{end}\r\n", sigs[2]).as_bytes());
    v
}

/// "Signature Calculations for the Authorization Header: Transferring
/// Payload in Multiple Chunks", AWS S3 API reference: the request and body
/// as printed there, and its variant with a CRC32C trailer.
pub fn doc_requests() -> Vec<(Headers, Vec<u8>)> {
    let plain = hv(&[
        ("Host", "s3.amazonaws.com"),
        ("x-amz-date", "20130524T000000Z"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        (
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;\
             x-amz-decoded-content-length;x-amz-storage-class,\
             Signature=4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        ),
        ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        ("Content-Encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "66560"),
        ("Content-Length", "66824"),
    ]);
    let trailer = hv(&[
        ("Host", "s3.amazonaws.com"),
        ("x-amz-date", "20130524T000000Z"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        (
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,\
             SignedHeaders=content-encoding;host;x-amz-content-sha256;x-amz-date;\
             x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer,\
             Signature=106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e",
        ),
        ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"),
        ("Content-Encoding", "aws-chunked"),
        ("x-amz-decoded-content-length", "66560"),
        ("x-amz-trailer", "x-amz-checksum-crc32c"),
    ]);
    vec![
        (
            plain,
            doc_body(
                [
                    "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
                    "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
                    "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9",
                ],
                "",
            ),
        ),
        (
            trailer,
            doc_body(
                [
                    "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2",
                    "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7",
                    "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992",
                ],
                "x-amz-checksum-crc32c:sOO8/Q==\r\n\
                 x-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n",
            ),
        ),
    ]
}

pub type Headers = Vec<(String, String)>;

pub const DOC_URL: &str = "https://s3.amazonaws.com/examplebucket/chunkObject.txt";
