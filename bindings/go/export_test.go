package sigv4rs

// The package's own test references, for the external tests
// (package sigv4rs_test).

// ChecksumReference is checksumValue (hash/crc32, hash/crc64, crypto/sha*:
// checked against botocore's values by TestChecksumValueReference).
var ChecksumReference = checksumValue
