//! Pixel buffers laid out the way OpenFX hands them over, and the pass-through copy.
//!
//! Knows nothing of OpenFX: an image here is a pointer to its bottom-left addressable pixel, the
//! bounds of those pixels, a signed distance in bytes between one row and the next (negative when
//! rows are stored top down), and a pixel format. Rows may be padded and need not be aligned for
//! their sample type, so samples are read from bytes, never through typed pointers.

use std::marker::PhantomData;

/// How each sample is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// Unsigned 8 bit, 0..=255 meaning 0.0..=1.0.
    U8,
    /// Unsigned 16 bit, 0..=65535 meaning 0.0..=1.0.
    U16,
    /// 32 bit float, 1.0 meaning full scale; may exceed 1 or go below 0.
    F32,
}

impl Depth {
    /// Bytes in one sample.
    pub const fn bytes(self) -> usize {
        match self {
            Depth::U8 => 1,
            Depth::U16 => 2,
            Depth::F32 => 4,
        }
    }
}

/// Which channels a pixel has, in memory order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Components {
    Rgba,
    Rgb,
    Alpha,
}

impl Components {
    /// Samples in one pixel.
    pub const fn channels(self) -> usize {
        match self {
            Components::Rgba => 4,
            Components::Rgb => 3,
            Components::Alpha => 1,
        }
    }
}

/// The format of every pixel of an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PixelFormat {
    pub depth: Depth,
    pub components: Components,
}

impl PixelFormat {
    pub const fn new(depth: Depth, components: Components) -> Self {
        PixelFormat { depth, components }
    }

    /// Bytes in one pixel.
    pub const fn pixel_bytes(self) -> usize {
        self.depth.bytes() * self.components.channels()
    }
}

/// A half-open rectangle of pixels: `x1 <= x < x2`, `y1 <= y < y2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x1: i32,
    pub y1: i32,
    pub x2: i32,
    pub y2: i32,
}

impl Rect {
    pub const fn new(x1: i32, y1: i32, x2: i32, y2: i32) -> Self {
        Rect { x1, y1, x2, y2 }
    }

    pub fn is_empty(&self) -> bool {
        self.x2 <= self.x1 || self.y2 <= self.y1
    }

    /// Width in pixels (0 when empty).
    pub fn width(&self) -> usize {
        if self.is_empty() {
            0
        } else {
            (i64::from(self.x2) - i64::from(self.x1)) as usize
        }
    }

    /// Height in pixels (0 when empty).
    pub fn height(&self) -> usize {
        if self.is_empty() {
            0
        } else {
            (i64::from(self.y2) - i64::from(self.y1)) as usize
        }
    }

    /// The pixels both rectangles cover (possibly empty).
    pub fn intersect(&self, other: &Rect) -> Rect {
        Rect {
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
            x2: self.x2.min(other.x2),
            y2: self.y2.min(other.y2),
        }
    }
}

/// Why a buffer cannot be used as an image.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PixelError {
    #[error("image rows of {row_bytes} bytes cannot hold {width} pixels of {pixel_bytes} bytes")]
    RowTooShort {
        row_bytes: isize,
        width: usize,
        pixel_bytes: usize,
    },
    #[error("an image with bounds {0:?} has no pixel data")]
    NoData(Rect),
    #[error("a buffer of {len} bytes is too small for the image: it needs {needed}")]
    BufferTooSmall { len: usize, needed: usize },
    #[error(
        "the source is {input:?} but the output is {output:?}; a pass-through needs one format"
    )]
    FormatMismatch {
        input: PixelFormat,
        output: PixelFormat,
    },
}

/// The layout shared by [`ImageRef`] and [`ImageMut`].
#[derive(Clone, Copy, Debug)]
struct Layout {
    bounds: Rect,
    row_bytes: isize,
    format: PixelFormat,
}

impl Layout {
    fn new(bounds: Rect, row_bytes: isize, format: PixelFormat) -> Result<Self, PixelError> {
        let width = bounds.width();
        let pixel_bytes = format.pixel_bytes();
        if !bounds.is_empty() && row_bytes.unsigned_abs() < width * pixel_bytes {
            return Err(PixelError::RowTooShort {
                row_bytes,
                width,
                pixel_bytes,
            });
        }
        Ok(Layout {
            bounds,
            row_bytes,
            format,
        })
    }

    fn row_len(&self) -> usize {
        self.bounds.width() * self.format.pixel_bytes()
    }

    /// Bytes from the lowest row's start to the end of the highest row's pixels.
    fn span(&self) -> usize {
        match self.bounds.height() {
            0 => 0,
            h => (h - 1) * self.row_bytes.unsigned_abs() + self.row_len(),
        }
    }

    /// Offset of the start of row `y` from the bottom-left pixel, in bytes.
    fn row_offset(&self, y: i32) -> isize {
        debug_assert!(y >= self.bounds.y1 && y < self.bounds.y2);
        (y - self.bounds.y1) as isize * self.row_bytes
    }

    /// Where the bottom-left pixel lies in a buffer whose first byte is the lowest address used.
    fn origin_in_buffer(&self) -> usize {
        if self.row_bytes < 0 {
            self.bounds.height().saturating_sub(1) * self.row_bytes.unsigned_abs()
        } else {
            0
        }
    }
}

/// Read access to an image's pixels for the lifetime `'a`.
#[derive(Clone, Copy, Debug)]
pub struct ImageRef<'a> {
    origin: *const u8,
    layout: Layout,
    _pixels: PhantomData<&'a [u8]>,
}

impl<'a> ImageRef<'a> {
    /// An image over memory that the caller vouches for.
    ///
    /// # Safety
    /// For every row `y` of `bounds`, the `bounds.width() * format.pixel_bytes()` bytes starting at
    /// `origin + (y - bounds.y1) * row_bytes` must be readable and not written by anyone for `'a`.
    pub unsafe fn from_raw(
        origin: *const u8,
        bounds: Rect,
        row_bytes: isize,
        format: PixelFormat,
    ) -> Result<Self, PixelError> {
        let layout = Layout::new(bounds, row_bytes, format)?;
        if origin.is_null() && !bounds.is_empty() {
            return Err(PixelError::NoData(bounds));
        }
        Ok(ImageRef {
            origin,
            layout,
            _pixels: PhantomData,
        })
    }

    /// An image over a buffer whose lowest address is `buffer[0]`; with a negative `row_bytes`
    /// the bottom row is the last one in the buffer.
    pub fn from_slice(
        buffer: &'a [u8],
        bounds: Rect,
        row_bytes: isize,
        format: PixelFormat,
    ) -> Result<Self, PixelError> {
        let layout = Layout::new(bounds, row_bytes, format)?;
        let needed = layout.span();
        if buffer.len() < needed {
            return Err(PixelError::BufferTooSmall {
                len: buffer.len(),
                needed,
            });
        }
        // SAFETY: every row lies inside `buffer` (its span was checked just above), which is
        // borrowed immutably for 'a.
        unsafe {
            Self::from_raw(
                buffer.as_ptr().add(layout.origin_in_buffer()),
                bounds,
                row_bytes,
                format,
            )
        }
    }

    pub fn bounds(&self) -> Rect {
        self.layout.bounds
    }

    pub fn format(&self) -> PixelFormat {
        self.layout.format
    }

    /// The pixels of row `y` (which must lie inside the bounds), left to right.
    pub fn row(&self, y: i32) -> &'a [u8] {
        assert!(
            y >= self.layout.bounds.y1 && y < self.layout.bounds.y2,
            "row {y} is outside {:?}",
            self.layout.bounds
        );
        // SAFETY: the row is inside the bounds, and `from_raw`'s contract makes each row's bytes
        // readable for 'a.
        unsafe {
            std::slice::from_raw_parts(
                self.origin.offset(self.layout.row_offset(y)),
                self.layout.row_len(),
            )
        }
    }
}

/// Write access to an image's pixels for the lifetime `'a`.
#[derive(Debug)]
pub struct ImageMut<'a> {
    origin: *mut u8,
    layout: Layout,
    _pixels: PhantomData<&'a mut [u8]>,
}

impl<'a> ImageMut<'a> {
    /// An image over memory that the caller vouches for.
    ///
    /// # Safety
    /// For every row `y` of `bounds`, the `bounds.width() * format.pixel_bytes()` bytes starting at
    /// `origin + (y - bounds.y1) * row_bytes` must be writable, used by no one else for `'a`, and
    /// no two rows may overlap.
    pub unsafe fn from_raw(
        origin: *mut u8,
        bounds: Rect,
        row_bytes: isize,
        format: PixelFormat,
    ) -> Result<Self, PixelError> {
        let layout = Layout::new(bounds, row_bytes, format)?;
        if origin.is_null() && !bounds.is_empty() {
            return Err(PixelError::NoData(bounds));
        }
        Ok(ImageMut {
            origin,
            layout,
            _pixels: PhantomData,
        })
    }

    /// An image over a buffer whose lowest address is `buffer[0]`; see [`ImageRef::from_slice`].
    pub fn from_slice(
        buffer: &'a mut [u8],
        bounds: Rect,
        row_bytes: isize,
        format: PixelFormat,
    ) -> Result<Self, PixelError> {
        let layout = Layout::new(bounds, row_bytes, format)?;
        let needed = layout.span();
        if buffer.len() < needed {
            return Err(PixelError::BufferTooSmall {
                len: buffer.len(),
                needed,
            });
        }
        // SAFETY: every row lies inside `buffer`, which is borrowed mutably for 'a; rows do not
        // overlap because |row_bytes| is at least a row's length (checked by Layout::new).
        unsafe {
            Self::from_raw(
                buffer.as_mut_ptr().add(layout.origin_in_buffer()),
                bounds,
                row_bytes,
                format,
            )
        }
    }

    pub fn bounds(&self) -> Rect {
        self.layout.bounds
    }

    pub fn format(&self) -> PixelFormat {
        self.layout.format
    }

    /// The pixels of row `y` (which must lie inside the bounds), left to right.
    pub fn row_mut(&mut self, y: i32) -> &mut [u8] {
        assert!(
            y >= self.layout.bounds.y1 && y < self.layout.bounds.y2,
            "row {y} is outside {:?}",
            self.layout.bounds
        );
        // SAFETY: the row is inside the bounds; `from_raw`'s contract makes it writable and
        // unshared for 'a, and `&mut self` keeps this the only live slice of it.
        unsafe {
            std::slice::from_raw_parts_mut(
                self.origin.offset(self.layout.row_offset(y)),
                self.layout.row_len(),
            )
        }
    }
}

/// Byte range within a row of an image with `bounds` for the pixels `x1..x2`.
fn byte_range(bounds: &Rect, x1: i32, x2: i32, pixel_bytes: usize) -> std::ops::Range<usize> {
    let start = (x1 - bounds.x1) as usize * pixel_bytes;
    let end = (x2 - bounds.x1) as usize * pixel_bytes;
    start..end
}

/// Copies `source` into `output` inside `window`, bit for bit. Pixels of the window that the
/// source does not cover become zero (transparent black, as OpenFX asks for missing input);
/// nothing outside the window, or outside the output's bounds, is written.
pub fn copy_window(
    source: &ImageRef<'_>,
    output: &mut ImageMut<'_>,
    window: Rect,
) -> Result<(), PixelError> {
    copy_window_visiting(source, output, window, |_, _| {})
}

/// [`copy_window`], calling `visit(y, whole source row)` for each source row it copies from,
/// right after copying it (while the row is in cache).
pub fn copy_window_visiting<'a>(
    source: &ImageRef<'a>,
    output: &mut ImageMut<'_>,
    window: Rect,
    mut visit: impl FnMut(i32, &'a [u8]),
) -> Result<(), PixelError> {
    if source.format() != output.format() {
        return Err(PixelError::FormatMismatch {
            input: source.format(),
            output: output.format(),
        });
    }
    let pixel_bytes = output.format().pixel_bytes();
    let out_bounds = output.bounds();
    let target = window.intersect(&out_bounds);
    if target.is_empty() {
        return Ok(());
    }
    let src_bounds = source.bounds();
    // The part of the target that the source covers.
    let covered = target.intersect(&src_bounds);
    for y in target.y1..target.y2 {
        let out_row = output.row_mut(y);
        let out = &mut out_row[byte_range(&out_bounds, target.x1, target.x2, pixel_bytes)];
        if covered.is_empty() || y < covered.y1 || y >= covered.y2 {
            out.fill(0);
            continue;
        }
        // Left of the source, the source's part, right of the source.
        let left = (covered.x1 - target.x1) as usize * pixel_bytes;
        let middle = covered.width() * pixel_bytes;
        out[..left].fill(0);
        let source_row = source.row(y);
        out[left..left + middle].copy_from_slice(
            &source_row[byte_range(&src_bounds, covered.x1, covered.x2, pixel_bytes)],
        );
        out[left + middle..].fill(0);
        visit(y, source_row);
    }
    Ok(())
}

/// Sets every pixel of `output` inside `window` to zero (used when the source has no image).
pub fn clear_window(output: &mut ImageMut<'_>, window: Rect) {
    let pixel_bytes = output.format().pixel_bytes();
    let out_bounds = output.bounds();
    let target = window.intersect(&out_bounds);
    if target.is_empty() {
        return;
    }
    for y in target.y1..target.y2 {
        output.row_mut(y)[byte_range(&out_bounds, target.x1, target.x2, pixel_bytes)].fill(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RGBA8: PixelFormat = PixelFormat::new(Depth::U8, Components::Rgba);

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + 3) as u8).collect()
    }

    #[test]
    fn negative_row_bytes_put_the_bottom_row_last_in_the_buffer() {
        let bounds = Rect::new(0, 0, 2, 3);
        let buffer = pattern(3 * 9);
        let image = ImageRef::from_slice(&buffer, bounds, -9, RGBA8).unwrap();
        assert_eq!(image.row(0), &buffer[18..26]);
        assert_eq!(image.row(2), &buffer[0..8]);
    }

    #[test]
    fn copy_writes_only_the_window_and_zeroes_what_the_source_lacks() {
        let format = RGBA8;
        let src_bounds = Rect::new(2, 1, 6, 5);
        let out_bounds = Rect::new(0, 0, 8, 6);
        let src_buf = pattern(4 * 17);
        let source = ImageRef::from_slice(&src_buf, src_bounds, 17, format).unwrap();
        let mut out_buf = vec![0xAAu8; 6 * 35];
        let mut output = ImageMut::from_slice(&mut out_buf, out_bounds, 35, format).unwrap();
        let window = Rect::new(1, 0, 5, 3);
        copy_window(&source, &mut output, window).unwrap();
        for y in 0..6 {
            for x in 0..8 {
                let at = (y * 35 + x * 4) as usize;
                let got = &out_buf[at..at + 4];
                let inside_window = (1..5).contains(&x) && (0..3).contains(&y);
                let inside_source = (2..6).contains(&x) && (1..5).contains(&y);
                if !inside_window {
                    assert_eq!(got, [0xAA; 4], "({x},{y}) outside the window was written");
                } else if inside_source {
                    let s = ((y - 1) * 17 + (x - 2) * 4) as usize;
                    assert_eq!(got, &src_buf[s..s + 4], "({x},{y})");
                } else {
                    assert_eq!(got, [0; 4], "({x},{y}) has no source");
                }
            }
        }
    }

    #[test]
    fn formats_must_match() {
        let buf = vec![0u8; 64];
        let mut out = vec![0u8; 64];
        let bounds = Rect::new(0, 0, 2, 2);
        let f32_rgba = PixelFormat::new(Depth::F32, Components::Rgba);
        let source = ImageRef::from_slice(&buf, bounds, 8, RGBA8).unwrap();
        let mut output = ImageMut::from_slice(&mut out, bounds, 32, f32_rgba).unwrap();
        assert!(matches!(
            copy_window(&source, &mut output, bounds),
            Err(PixelError::FormatMismatch { .. })
        ));
    }

    #[test]
    fn short_rows_and_small_buffers_are_refused() {
        let bounds = Rect::new(0, 0, 4, 2);
        assert!(matches!(
            ImageRef::from_slice(&[0; 64], bounds, 15, RGBA8),
            Err(PixelError::RowTooShort { .. })
        ));
        assert!(matches!(
            ImageRef::from_slice(&[0; 20], bounds, 16, RGBA8),
            Err(PixelError::BufferTooSmall { .. })
        ));
    }
}
