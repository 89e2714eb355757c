//! Where canonical text goes: a hash, a byte counter or a caller buffer.
//! Every piece of SigV4 text is produced once, by one writer, into any sink,
//! so sizes, hashes and debug copies can never disagree.

/// A byte consumer.
pub trait Sink {
    /// Appends bytes.
    fn put(&mut self, bytes: &[u8]);
}

/// Counts bytes; used to size an output before writing it.
#[derive(Default)]
pub struct Counter(pub usize);

impl Sink for Counter {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.0 = self.0.saturating_add(bytes.len());
    }
}

/// Writes into a slice; never writes past its end (it records the overflow).
pub struct SliceWriter<'a> {
    buf: &'a mut [u8],
    pos: usize,
    overflow: bool,
}

impl<'a> SliceWriter<'a> {
    /// A writer at the start of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        SliceWriter {
            buf,
            pos: 0,
            overflow: false,
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.pos
    }

    /// True when a write did not fit.
    pub fn overflowed(&self) -> bool {
        self.overflow
    }
}

impl Sink for SliceWriter<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        match self.buf.get_mut(self.pos..self.pos + bytes.len()) {
            Some(dst) if !self.overflow => {
                dst.copy_from_slice(bytes);
                self.pos += bytes.len();
            }
            _ => self.overflow = true,
        }
    }
}

/// Writes `n` in decimal.
pub fn put_decimal<S: Sink + ?Sized>(s: &mut S, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    s.put(&tmp[i..]);
}
