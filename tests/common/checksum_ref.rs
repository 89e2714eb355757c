//! Independent aws-chunked trailer values for the tests: bitwise CRCs
//! (CRC-32, CRC-32C, CRC-64/NVME from their parameters), RustCrypto's
//! SHA-1/SHA-256, a hand-rolled base64; never the library's code.

fn crc(poly: u32, data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 { (c >> 1) ^ poly } else { c >> 1 };
        }
    }
    !c
}
/// CRC-64/NVME, bitwise (reflected poly, init and xorout all ones).
fn crc64(data: &[u8]) -> u64 {
    let mut c = !0u64;
    for &b in data {
        c ^= u64::from(b);
        for _ in 0..8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0x9A6C_9329_AC4B_C9B5
            } else {
                c >> 1
            };
        }
    }
    !c
}
fn b64(bytes: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in bytes.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            s.push(if i <= c.len() {
                T[((n >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    s
}
pub fn expected_checksum(name: &str, data: &[u8]) -> String {
    use sha2::Digest;
    match name {
        "x-amz-checksum-crc32" => b64(&crc(0xEDB8_8320, data).to_be_bytes()),
        "x-amz-checksum-crc32c" => b64(&crc(0x82F6_3B78, data).to_be_bytes()),
        "x-amz-checksum-sha256" => b64(&sha2::Sha256::digest(data)),
        "x-amz-checksum-sha1" => b64(&sha1::Sha1::digest(data)),
        "x-amz-checksum-crc64nvme" => b64(&crc64(data).to_be_bytes()),
        other => panic!("unexpected trailer {other}"),
    }
}
