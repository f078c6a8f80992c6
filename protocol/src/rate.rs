//! Frame rates as exact rationals (23.976 is 24000/1001, not a float).

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::Error;

/// A frame rate, `num / den` frames per second, kept reduced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(try_from = "RateRepr", into = "RateRepr")]
pub struct Rate {
    num: u32,
    den: u32,
}

/// Wire form: `{"num": 30000, "den": 1001}`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, JsonSchema)]
struct RateRepr {
    num: u32,
    den: u32,
}

impl TryFrom<RateRepr> for Rate {
    type Error = Error;
    fn try_from(r: RateRepr) -> Result<Self, Error> {
        Rate::new(r.num, r.den)
    }
}

impl From<Rate> for RateRepr {
    fn from(r: Rate) -> Self {
        RateRepr {
            num: r.num,
            den: r.den,
        }
    }
}

const fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

impl Rate {
    pub const FPS_23_976: Rate = Rate {
        num: 24000,
        den: 1001,
    };
    pub const FPS_24: Rate = Rate { num: 24, den: 1 };
    pub const FPS_25: Rate = Rate { num: 25, den: 1 };
    pub const FPS_29_97: Rate = Rate {
        num: 30000,
        den: 1001,
    };
    pub const FPS_30: Rate = Rate { num: 30, den: 1 };
    pub const FPS_50: Rate = Rate { num: 50, den: 1 };
    pub const FPS_59_94: Rate = Rate {
        num: 60000,
        den: 1001,
    };
    pub const FPS_60: Rate = Rate { num: 60, den: 1 };

    /// A rate of `num / den` frames per second. Zero, and rates above 1000 fps, are refused.
    pub fn new(num: u32, den: u32) -> Result<Rate, Error> {
        if num == 0 || den == 0 {
            return Err(Error::InvalidRate(format!("{num}/{den}")));
        }
        let g = gcd(num, den);
        let rate = Rate {
            num: num / g,
            den: den / g,
        };
        if rate.as_f64() > 1000.0 {
            return Err(Error::InvalidRate(format!("{num}/{den}")));
        }
        Ok(rate)
    }

    /// The rate a float names: 29.97 and 29.97002997 are both 30000/1001; 25.0 is 25.
    pub fn from_f64(fps: f64) -> Result<Rate, Error> {
        if !fps.is_finite() || fps <= 0.0 || fps > 1000.0 {
            return Err(Error::InvalidRate(format!("{fps}")));
        }
        let rounded = fps.round();
        if (fps - rounded).abs() < 1e-6 {
            return Rate::new(rounded as u32, 1);
        }
        // NTSC family: n * 1000 / 1001.
        let ntsc = (fps * 1.001).round();
        if (fps - ntsc * 1000.0 / 1001.0).abs() < 0.006 {
            return Rate::new(ntsc as u32 * 1000, 1001);
        }
        // Anything else: a rational with a millisecond denominator.
        Rate::new((fps * 1000.0).round() as u32, 1000)
    }

    pub fn num(self) -> u32 {
        self.num
    }

    pub fn den(self) -> u32 {
        self.den
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.num) / f64::from(self.den)
    }

    /// The whole number of frames a timecode counts per second (30 for 29.97).
    pub fn timecode_base(self) -> u32 {
        self.num.div_ceil(self.den)
    }

    /// Whether drop-frame timecode exists for this rate (29.97 and 59.94).
    pub fn supports_drop_frame(self) -> bool {
        self.den == 1001 && (self.num == 30000 || self.num == 60000)
    }

    /// Frames for a time in seconds, rounded to the nearest frame (halves away from zero).
    pub fn seconds_to_frames(self, seconds: f64) -> i64 {
        (seconds * self.as_f64()).round() as i64
    }

    /// Frames for a time in milliseconds, exactly rounded (used for SRT).
    pub fn millis_to_frames(self, millis: i64) -> i64 {
        let n = i128::from(millis) * i128::from(self.num);
        let d = 1000 * i128::from(self.den);
        // round half away from zero
        let q = (2 * n + d).div_euclid(2 * d);
        q as i64
    }

    pub fn frames_to_seconds(self, frames: i64) -> f64 {
        frames as f64 * f64::from(self.den) / f64::from(self.num)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{:.3}", self.as_f64())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_map_to_exact_rates() {
        assert_eq!(Rate::from_f64(29.97).unwrap(), Rate::FPS_29_97);
        assert_eq!(Rate::from_f64(30000.0 / 1001.0).unwrap(), Rate::FPS_29_97);
        assert_eq!(Rate::from_f64(23.976).unwrap(), Rate::FPS_23_976);
        assert_eq!(Rate::from_f64(59.94).unwrap(), Rate::FPS_59_94);
        assert_eq!(Rate::from_f64(25.0).unwrap(), Rate::FPS_25);
        assert!(Rate::from_f64(0.0).is_err());
        assert!(Rate::from_f64(f64::NAN).is_err());
        assert!(Rate::new(0, 1).is_err());
    }

    #[test]
    fn millis_round_to_nearest_frame() {
        assert_eq!(Rate::FPS_25.millis_to_frames(2200), 55);
        assert_eq!(Rate::FPS_25.millis_to_frames(2220), 56); // 55.5 rounds up
        assert_eq!(Rate::FPS_29_97.millis_to_frames(2200), 66); // 65.93
        assert_eq!(Rate::FPS_29_97.timecode_base(), 30);
    }
}
