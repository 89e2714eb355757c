//! Signing time: seconds since the Unix epoch to `YYYYMMDD'T'HHMMSS'Z'`.

use super::Error;

/// Last second of 9999-12-31, the last instant `X-Amz-Date` can spell.
pub const MAX_UNIX_TIME: i64 = 253_402_300_799;

/// A signing instant, formatted once.
#[derive(Clone, Copy)]
pub struct AmzDate {
    /// `YYYYMMDDTHHMMSSZ`.
    pub full: [u8; 16],
    /// Days since 1970-01-01: the key cache's date.
    pub day: u32,
}

impl AmzDate {
    /// Formats `unix` seconds; outside 1970..=9999 is `InvalidTime`.
    pub fn from_unix(unix: i64) -> Result<Self, Error> {
        if !(0..=MAX_UNIX_TIME).contains(&unix) {
            return Err(Error::InvalidTime);
        }
        let day = (unix / 86_400) as u32;
        let secs = (unix % 86_400) as u32;
        let (y, m, d) = civil_from_days(day);
        let mut full = *b"00000000T000000Z";
        put_digits(&mut full[0..4], y);
        put_digits(&mut full[4..6], m);
        put_digits(&mut full[6..8], d);
        put_digits(&mut full[9..11], secs / 3600);
        put_digits(&mut full[11..13], secs / 60 % 60);
        put_digits(&mut full[13..15], secs % 60);
        Ok(AmzDate { full, day })
    }

    /// `YYYYMMDD`, the credential scope date.
    pub fn date(&self) -> &[u8] {
        &self.full[..8]
    }
}

fn put_digits(dst: &mut [u8], mut v: u32) {
    for c in dst.iter_mut().rev() {
        *c = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

// Howard Hinnant's days-to-civil algorithm, for non-negative day counts.
fn civil_from_days(z: u32) -> (u32, u32, u32) {
    let z = z + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u32::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(t: i64) -> std::string::String {
        std::string::String::from_utf8(AmzDate::from_unix(t).unwrap().full.to_vec()).unwrap()
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(fmt(0), "19700101T000000Z");
        assert_eq!(fmt(1_440_938_160), "20150830T123600Z");
        assert_eq!(fmt(951_782_400), "20000229T000000Z");
        assert_eq!(fmt(4_102_444_799), "20991231T235959Z");
        assert_eq!(fmt(MAX_UNIX_TIME), "99991231T235959Z");
    }

    #[test]
    fn rejects_out_of_range() {
        assert!(AmzDate::from_unix(-1).is_err());
        assert!(AmzDate::from_unix(MAX_UNIX_TIME + 1).is_err());
        assert!(AmzDate::from_unix(i64::MIN).is_err());
    }

    #[test]
    fn matches_a_day_by_day_walk() {
        // Walk the calendar independently and compare every day 1970..2100.
        let (mut y, mut m, mut d) = (1970u32, 1u32, 1u32);
        for day in 0..47_482u32 {
            assert_eq!(civil_from_days(day), (y, m, d), "day {day}");
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let dim = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
            d += 1;
            if d > dim[(m - 1) as usize] {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
    }
}
