//! What a frame looks like, in a few numbers the resolver can search: mean luma, a colour
//! temperature estimate, a luma histogram, black/dark/bright flags, and how far the picture moved
//! from the frame before (a shot-boundary score).
//!
//! Knows nothing of OpenFX or of the network: it reads an [`ImageRef`] and returns
//! [`FrameFeatures`]. It must stay cheap, because the plug-in runs it inside the host's render
//! call: it reads a regular grid of at most [`MAX_SAMPLE_COLUMNS`] × [`MAX_SAMPLE_ROWS`] pixels
//! (every 4th pixel of every 4th row of a UHD frame), in one pass, so it touches a fraction of the
//! memory that the pass-through copy does. Statistics over half a million evenly spread pixels
//! differ from the full frame's by far less than the thresholds below.

use crate::pixels::{Components, Depth, ImageRef, PixelFormat, Rect};
use serde::Serialize;

/// Bins of [`FrameFeatures::histogram`], evenly spaced over luma 0..1.
pub const HISTOGRAM_BINS: usize = 16;
/// At most this many pixels of a row are read.
pub const MAX_SAMPLE_COLUMNS: usize = 960;
/// At most this many rows are read.
pub const MAX_SAMPLE_ROWS: usize = 540;

/// Mean luma below which a frame counts as dark.
pub const DARK_LUMA: f32 = 0.15;
/// Mean luma above which a frame counts as bright.
pub const BRIGHT_LUMA: f32 = 0.75;
/// A black frame: mean luma below this, and nearly every pixel in the lowest histogram bin.
pub const BLACK_LUMA: f32 = 0.02;
/// Share of pixels in the lowest bin that a black frame needs.
pub const BLACK_SHARE: f32 = 0.98;
/// |warmth| above which a frame is called warm or cold rather than neutral.
pub const WARMTH_THRESHOLD: f32 = 0.06;

/// Rec. 709 luma weights.
const LUMA_R: f32 = 0.2126;
const LUMA_G: f32 = 0.7152;
const LUMA_B: f32 = 0.0722;

/// A coarse colour temperature: does red or blue dominate the frame?
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Temperature {
    Warm,
    Neutral,
    Cold,
}

/// The features of one frame.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FrameFeatures {
    /// Mean Rec. 709 luma of the samples, 1.0 = full scale (float images may exceed it).
    pub mean_luma: f32,
    /// `(mean red − mean blue) / (mean red + mean blue)`, in −1..1; positive is warm.
    pub warmth: f32,
    pub temperature: Temperature,
    /// Share of the samples in each luma bin (`HISTOGRAM_BINS` bins over 0..1, values outside
    /// clamped to the end bins); sums to 1.
    pub histogram: [f32; HISTOGRAM_BINS],
    pub black: bool,
    pub dark: bool,
    pub bright: bool,
    /// Pixels read.
    pub samples: u32,
}

/// How far apart two frames look, from their histograms: 0 for the same luma distribution, 1 for
/// no overlap at all (half the L1 distance). A cut usually scores well above 0.3; motion within a
/// shot, well below.
pub fn shot_change(previous: &[f32; HISTOGRAM_BINS], current: &[f32; HISTOGRAM_BINS]) -> f32 {
    let distance: f32 = previous
        .iter()
        .zip(current)
        .map(|(a, b)| (a - b).abs())
        .sum();
    (distance * 0.5).clamp(0.0, 1.0)
}

/// The features of `image`, or `None` when it has no pixels.
pub fn analyse(image: &ImageRef<'_>) -> Option<FrameFeatures> {
    FrameAnalyser::new(image.bounds(), image.format()).finish(image)
}

/// The analysis of one frame, fed row by row: the render call hands it each source row right
/// after copying it, while the row is still in cache, so that copy and analysis make one pass
/// over the frame's memory.
#[derive(Debug)]
pub struct FrameAnalyser {
    bounds: Rect,
    format: PixelFormat,
    grid: Grid,
    first_row: i32,
    /// Which of the grid's rows have been added.
    seen: Vec<bool>,
    sums: Sums,
}

impl FrameAnalyser {
    /// An analysis of an image with these bounds and this format.
    pub fn new(bounds: Rect, format: PixelFormat) -> FrameAnalyser {
        let grid = Grid::for_size(bounds.width(), bounds.height());
        let first_row = bounds.y1 + (grid.step_y / 2) as i32;
        let rows = bounds
            .height()
            .saturating_sub(grid.step_y / 2)
            .div_ceil(grid.step_y);
        FrameAnalyser {
            bounds,
            format,
            grid,
            first_row,
            seen: vec![false; rows],
            sums: Sums::default(),
        }
    }

    /// The grid's index of row `y`, when the analysis reads that row.
    fn slot(&self, y: i32) -> Option<usize> {
        if y < self.first_row || y >= self.bounds.y2 {
            return None;
        }
        let offset = (y - self.first_row) as usize;
        (offset % self.grid.step_y == 0).then_some(offset / self.grid.step_y)
    }

    /// Adds row `y` (all of it, as [`ImageRef::row`] gives it); rows the grid skips, and rows
    /// already added, are ignored.
    pub fn add_row(&mut self, y: i32, row: &[u8]) {
        let Some(slot) = self.slot(y) else {
            return;
        };
        if self.seen[slot] || row.len() != self.bounds.width() * self.format.pixel_bytes() {
            return;
        }
        self.seen[slot] = true;
        let (grid, sums) = (self.grid, &mut self.sums);
        match (self.format.depth, self.format.components) {
            (Depth::U8, Components::Rgba) => accumulate::<U8, 4>(row, grid, sums),
            (Depth::U8, Components::Rgb) => accumulate::<U8, 3>(row, grid, sums),
            (Depth::U8, Components::Alpha) => accumulate::<U8, 1>(row, grid, sums),
            (Depth::U16, Components::Rgba) => accumulate::<U16, 4>(row, grid, sums),
            (Depth::U16, Components::Rgb) => accumulate::<U16, 3>(row, grid, sums),
            (Depth::U16, Components::Alpha) => accumulate::<U16, 1>(row, grid, sums),
            (Depth::F32, Components::Rgba) => accumulate::<F32, 4>(row, grid, sums),
            (Depth::F32, Components::Rgb) => accumulate::<F32, 3>(row, grid, sums),
            (Depth::F32, Components::Alpha) => accumulate::<F32, 1>(row, grid, sums),
        }
    }

    /// The features, reading from `image` (the image the rows came from) whatever rows of the
    /// grid were not added; `None` when the image has no pixels.
    pub fn finish(mut self, image: &ImageRef<'_>) -> Option<FrameFeatures> {
        if self.bounds.is_empty() || image.bounds() != self.bounds || image.format() != self.format
        {
            return None;
        }
        for slot in 0..self.seen.len() {
            if !self.seen[slot] {
                let y = self.first_row + (slot * self.grid.step_y) as i32;
                self.add_row(y, image.row(y));
            }
        }
        Some(self.sums.features())
    }
}

/// Which pixels are read: every `step_x`-th of every `step_y`-th row, starting half a step in.
#[derive(Clone, Copy, Debug)]
struct Grid {
    step_x: usize,
    step_y: usize,
}

impl Grid {
    fn for_size(width: usize, height: usize) -> Grid {
        Grid {
            step_x: width.div_ceil(MAX_SAMPLE_COLUMNS).max(1),
            step_y: height.div_ceil(MAX_SAMPLE_ROWS).max(1),
        }
    }
}

#[derive(Debug, Default)]
struct Sums {
    luma: f64,
    red: f64,
    blue: f64,
    histogram: [u32; HISTOGRAM_BINS],
    samples: u32,
}

impl Sums {
    fn features(&self) -> FrameFeatures {
        let n = f64::from(self.samples.max(1));
        let mean_luma = (self.luma / n) as f32;
        let (red, blue) = (self.red / n, self.blue / n);
        let warmth = if red + blue > 1e-4 {
            ((red - blue) / (red + blue)) as f32
        } else {
            0.0
        };
        let temperature = if warmth > WARMTH_THRESHOLD {
            Temperature::Warm
        } else if warmth < -WARMTH_THRESHOLD {
            Temperature::Cold
        } else {
            Temperature::Neutral
        };
        let mut histogram = [0.0f32; HISTOGRAM_BINS];
        for (share, &count) in histogram.iter_mut().zip(&self.histogram) {
            *share = (f64::from(count) / n) as f32;
        }
        FrameFeatures {
            mean_luma,
            warmth,
            temperature,
            black: mean_luma < BLACK_LUMA && histogram[0] >= BLACK_SHARE,
            dark: mean_luma < DARK_LUMA,
            bright: mean_luma > BRIGHT_LUMA,
            histogram,
            samples: self.samples,
        }
    }
}

/// A sample type: how many bytes it takes and how to read one as 0..1 from (unaligned) bytes.
trait Sample {
    const BYTES: usize;
    fn unit(bytes: &[u8]) -> f32;
}

struct U8;
struct U16;
struct F32;

impl Sample for U8 {
    const BYTES: usize = 1;
    #[inline(always)]
    fn unit(bytes: &[u8]) -> f32 {
        f32::from(bytes[0]) * (1.0 / 255.0)
    }
}

impl Sample for U16 {
    const BYTES: usize = 2;
    #[inline(always)]
    fn unit(bytes: &[u8]) -> f32 {
        f32::from(u16::from_ne_bytes([bytes[0], bytes[1]])) * (1.0 / 65535.0)
    }
}

impl Sample for F32 {
    const BYTES: usize = 4;
    #[inline(always)]
    fn unit(bytes: &[u8]) -> f32 {
        f32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
    }
}

/// Adds the grid's pixels of one row of `S` samples with `CHANNELS` channels (RGB first; a single
/// channel is read as grey) to `sums`.
fn accumulate<S: Sample, const CHANNELS: usize>(row: &[u8], grid: Grid, sums: &mut Sums) {
    // Sums of one row in f32 stay exact enough (at most 960 terms); across rows, f64.
    let (mut luma_row, mut red_row, mut blue_row) = (0.0f32, 0.0f32, 0.0f32);
    let mut count = 0u32;
    let pixels = row.chunks_exact(S::BYTES * CHANNELS);
    for pixel in pixels.skip(grid.step_x / 2).step_by(grid.step_x) {
        let (r, g, b) = if CHANNELS >= 3 {
            (
                S::unit(&pixel[0..]),
                S::unit(&pixel[S::BYTES..]),
                S::unit(&pixel[2 * S::BYTES..]),
            )
        } else {
            let v = S::unit(pixel);
            (v, v, v)
        };
        let luma = LUMA_R * r + LUMA_G * g + LUMA_B * b;
        // `as` saturates, and sends NaN to bin 0.
        let bin = ((luma * HISTOGRAM_BINS as f32) as i32).clamp(0, HISTOGRAM_BINS as i32 - 1);
        sums.histogram[bin as usize] += 1;
        luma_row += luma;
        red_row += r;
        blue_row += b;
        count += 1;
    }
    sums.luma += f64::from(luma_row);
    sums.red += f64::from(red_row);
    sums.blue += f64::from(blue_row);
    sums.samples += count;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An RGBA float image of `w`×`h` filled with one colour.
    fn flat_f32(w: i32, h: i32, rgba: [f32; 4]) -> Vec<u8> {
        let mut buf = Vec::with_capacity((w * h * 16) as usize);
        for _ in 0..w * h {
            for c in rgba {
                buf.extend_from_slice(&c.to_ne_bytes());
            }
        }
        buf
    }

    fn features_of(buf: &[u8], w: i32, h: i32, format: PixelFormat) -> FrameFeatures {
        let row_bytes = (w as usize * format.pixel_bytes()) as isize;
        let image = ImageRef::from_slice(buf, Rect::new(0, 0, w, h), row_bytes, format).unwrap();
        analyse(&image).unwrap()
    }

    const RGBA_F32: PixelFormat = PixelFormat::new(Depth::F32, Components::Rgba);

    #[test]
    fn a_black_frame_is_black_dark_and_neutral() {
        let f = features_of(&flat_f32(64, 36, [0.0, 0.0, 0.0, 1.0]), 64, 36, RGBA_F32);
        assert!(f.black && f.dark && !f.bright);
        assert_eq!(f.temperature, Temperature::Neutral);
        assert_eq!(f.histogram[0], 1.0);
        assert_eq!(f.samples, 64 * 36);
    }

    #[test]
    fn warm_cold_and_bright_frames() {
        let warm = features_of(&flat_f32(8, 8, [0.9, 0.6, 0.3, 1.0]), 8, 8, RGBA_F32);
        assert_eq!(warm.temperature, Temperature::Warm);
        let cold = features_of(&flat_f32(8, 8, [0.2, 0.4, 0.8, 1.0]), 8, 8, RGBA_F32);
        assert_eq!(cold.temperature, Temperature::Cold);
        let white = features_of(&flat_f32(8, 8, [1.0, 1.0, 1.0, 1.0]), 8, 8, RGBA_F32);
        assert!(white.bright && !white.dark && !white.black);
        assert!((white.mean_luma - 1.0).abs() < 1e-5);
        assert_eq!(white.histogram[HISTOGRAM_BINS - 1], 1.0);
    }

    #[test]
    fn every_depth_reads_full_scale_as_one() {
        let w = 4;
        let byte = vec![255u8; 4 * 4 * 3];
        let f = features_of(&byte, w, 4, PixelFormat::new(Depth::U8, Components::Rgb));
        assert!((f.mean_luma - 1.0).abs() < 1e-5);
        let short: Vec<u8> = std::iter::repeat_n(u16::MAX.to_ne_bytes(), 16)
            .flatten()
            .collect();
        let f = features_of(
            &short,
            w,
            4,
            PixelFormat::new(Depth::U16, Components::Alpha),
        );
        assert!((f.mean_luma - 1.0).abs() < 1e-5);
    }

    #[test]
    fn a_uhd_frame_is_sampled_on_a_bounded_grid() {
        let grid = Grid::for_size(3840, 2160);
        assert_eq!((grid.step_x, grid.step_y), (4, 4));
        let buf = vec![0u8; 3840 * 2160];
        let f = features_of(
            &buf,
            3840,
            2160,
            PixelFormat::new(Depth::U8, Components::Alpha),
        );
        assert_eq!(f.samples as usize, MAX_SAMPLE_COLUMNS * MAX_SAMPLE_ROWS);
    }

    #[test]
    fn rows_fed_in_any_part_give_the_same_features_as_one_pass() {
        let (w, h) = (1000i32, 1100i32); // steps 2 and 3
        let buf: Vec<u8> = (0..w as usize * h as usize * 3)
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        let format = PixelFormat::new(Depth::U8, Components::Rgb);
        let image =
            ImageRef::from_slice(&buf, Rect::new(0, 0, w, h), w as isize * 3, format).unwrap();
        let whole = analyse(&image).unwrap();
        let mut fed = FrameAnalyser::new(image.bounds(), format);
        for y in 300..700 {
            fed.add_row(y, image.row(y));
            fed.add_row(y, image.row(y)); // twice: counted once
        }
        assert_eq!(fed.finish(&image).unwrap(), whole);
        assert_eq!(whole.samples as usize, 500 * 367);
    }

    #[test]
    fn a_cut_scores_high_and_a_repeat_scores_zero() {
        let dark = features_of(&flat_f32(8, 8, [0.05, 0.05, 0.05, 1.0]), 8, 8, RGBA_F32);
        let light = features_of(&flat_f32(8, 8, [0.9, 0.9, 0.9, 1.0]), 8, 8, RGBA_F32);
        assert_eq!(shot_change(&dark.histogram, &dark.histogram), 0.0);
        assert!((shot_change(&dark.histogram, &light.histogram) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn hdr_and_nan_samples_land_in_the_end_bins() {
        let f = features_of(&flat_f32(2, 2, [8.0, 8.0, 8.0, 1.0]), 2, 2, RGBA_F32);
        assert_eq!(f.histogram[HISTOGRAM_BINS - 1], 1.0);
        let f = features_of(&flat_f32(2, 2, [f32::NAN; 4]), 2, 2, RGBA_F32);
        assert_eq!(f.histogram[0], 1.0);
    }
}
