//! Pixel buffers the test host hands to the plug-in, laid out as OpenFX describes images: a
//! pointer to the bottom-left pixel, bounds, and a signed row stride that may be padded (odd
//! numbers of bytes, so rows of 16- and 32-bit samples are misaligned) or negative (rows stored
//! top down).

use std::cell::UnsafeCell;

/// Bytes per sample for an OpenFX depth string.
pub fn sample_bytes(depth: &str) -> usize {
    match depth {
        "OfxBitDepthByte" => 1,
        "OfxBitDepthShort" => 2,
        "OfxBitDepthFloat" => 4,
        other => panic!("the test host has no {other} images"),
    }
}

/// Channels per pixel for an OpenFX components string.
pub fn channels(components: &str) -> usize {
    match components {
        "OfxImageComponentRGBA" => 4,
        "OfxImageComponentRGB" => 3,
        "OfxImageComponentAlpha" => 1,
        other => panic!("the test host has no {other} images"),
    }
}

/// One image buffer.
pub struct TestImage {
    storage: UnsafeCell<Vec<u8>>,
    pub bounds: [i32; 4],
    pub row_bytes: isize,
    pub depth: &'static str,
    pub components: &'static str,
    pub pixel_bytes: usize,
    /// Offset of the bottom-left pixel in `storage`.
    origin: usize,
}

// SAFETY: the test gives each output image to one render call at a time and reads it only after
// that call returned; source images are only read.
unsafe impl Sync for TestImage {}
// SAFETY: as for Sync; the buffer is plain bytes.
unsafe impl Send for TestImage {}

impl std::fmt::Debug for TestImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "TestImage({} {} {:?} row_bytes {})",
            self.depth, self.components, self.bounds, self.row_bytes
        )
    }
}

impl TestImage {
    /// An image over `bounds` whose rows carry `padding` extra bytes, stored bottom up
    /// (positive row bytes) or top down (negative), each byte set by `fill(i)` in storage order.
    pub fn new(
        bounds: [i32; 4],
        depth: &'static str,
        components: &'static str,
        padding: usize,
        top_down: bool,
        mut fill: impl FnMut(usize) -> u8,
    ) -> TestImage {
        let pixel_bytes = sample_bytes(depth) * channels(components);
        let width = (bounds[2] - bounds[0]) as usize;
        let height = (bounds[3] - bounds[1]) as usize;
        let stride = width * pixel_bytes + padding;
        let storage: Vec<u8> = (0..stride * height).map(&mut fill).collect();
        let (row_bytes, origin) = if top_down {
            (-(stride as isize), stride * height.saturating_sub(1))
        } else {
            (stride as isize, 0)
        };
        TestImage {
            storage: UnsafeCell::new(storage),
            bounds,
            row_bytes,
            depth,
            components,
            pixel_bytes,
            origin,
        }
    }

    /// An RGBA float image of one colour.
    pub fn flat_rgba_f32(width: i32, height: i32, rgba: [f32; 4]) -> TestImage {
        let bytes: Vec<u8> = rgba.iter().flat_map(|c| c.to_ne_bytes()).collect();
        TestImage::new(
            [0, 0, width, height],
            "OfxBitDepthFloat",
            "OfxImageComponentRGBA",
            0,
            false,
            |i| bytes[i % 16],
        )
    }

    /// The pointer OpenFX calls kOfxImagePropData.
    pub fn data(&self) -> *mut u8 {
        // SAFETY: `origin` is inside the storage (or 0 for an empty image).
        unsafe { (*self.storage.get()).as_mut_ptr().add(self.origin) }
    }

    /// Where pixel (x, y) starts in the storage.
    pub fn offset(&self, x: i32, y: i32) -> usize {
        let [x1, y1, x2, y2] = self.bounds;
        assert!((x1..x2).contains(&x) && (y1..y2).contains(&y));
        (self.origin as isize
            + (y - y1) as isize * self.row_bytes
            + (x - x1) as isize * self.pixel_bytes as isize) as usize
    }

    /// The bytes of pixel (x, y).
    pub fn pixel(&self, x: i32, y: i32) -> &[u8] {
        let at = self.offset(x, y);
        &self.storage()[at..at + self.pixel_bytes]
    }

    /// The whole buffer, padding included.
    pub fn storage(&self) -> &[u8] {
        // SAFETY: as in `pixel`.
        unsafe { &*self.storage.get() }
    }
}
