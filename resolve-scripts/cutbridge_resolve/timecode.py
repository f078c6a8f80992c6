"""Frame rates and SMPTE timecode as Resolve writes them.

Resolve gives rates as strings ("23.976", "29.97 DF", "25") and timecodes as "HH:MM:SS:FF"
(";" before the frames for drop-frame). The protocol wants exact rational rates and whole
frames, so NTSC rates map to n*1000/1001.
"""

from fractions import Fraction

# Resolve spells NTSC rates with three or two decimals; the protocol keeps them exact.
_NTSC = {
    "23.976": (24000, 1001),
    "23.98": (24000, 1001),
    "29.97": (30000, 1001),
    "47.952": (48000, 1001),
    "59.94": (60000, 1001),
    "119.88": (120000, 1001),
}


class Rate(object):
    """An exact frame rate `num/den` and whether its timecode counts drop-frame."""

    __slots__ = ("num", "den", "drop")

    def __init__(self, num, den=1, drop=False):
        f = Fraction(int(num), int(den))
        if f <= 0:
            raise ValueError("a frame rate must be positive, not {}/{}".format(num, den))
        self.num, self.den = f.numerator, f.denominator
        self.drop = bool(drop) and self.supports_drop_frame()

    def __repr__(self):
        return "Rate({}, {}{})".format(self.num, self.den, ", drop" if self.drop else "")

    def __eq__(self, other):
        return isinstance(other, Rate) and (self.num, self.den) == (other.num, other.den)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self.num, self.den))

    @property
    def fps(self):
        return float(self.num) / self.den

    @property
    def nominal(self):
        """Frames per timecode second: 30 for 29.97."""
        return int(round(self.fps))

    def supports_drop_frame(self):
        return self.den == 1001 and self.num in (30000, 60000)

    def to_json(self):
        return {"num": self.num, "den": self.den}

    def close_to(self, other):
        return abs(self.fps - other.fps) < 1e-3


def parse_rate(text):
    """A Resolve rate setting ("23.976", "29.97 DF", "25", 25.0) as a `Rate`."""
    if isinstance(text, (int, float)):
        text = repr(float(text))
    s = str(text).strip().upper()
    if not s:
        raise ValueError("empty frame rate")
    drop = False
    for suffix in (" NDF", "NDF", " DF", "DF"):
        if s.endswith(suffix):
            drop = "N" not in suffix
            s = s[: -len(suffix)].strip()
            break
    s = s.rstrip("P").strip()  # "25p"
    if s in _NTSC:
        num, den = _NTSC[s]
        return Rate(num, den, drop)
    try:
        value = Fraction(s)
    except ValueError:
        raise ValueError("{!r} is not a frame rate".format(text))
    if value.denominator != 1:
        # 23.976023..., 29.970029...: snap to the NTSC rate it spells.
        for num, den in _NTSC.values():
            if abs(float(value) - float(num) / den) < 2e-3:
                return Rate(num, den, drop)
        value = value.limit_denominator(1001)
    return Rate(value.numerator, value.denominator, drop)


def _drop_per_minute(rate):
    return 2 * rate.nominal // 30


def parse_timecode(tc, rate):
    """"HH:MM:SS:FF" (or ";FF" / ".FF" for drop-frame) as a frame count at `rate`.

    Drop-frame counting applies when the string uses ';' or '.' or `rate.drop` is set.
    """
    s = str(tc).strip()
    drop = rate.drop or (";" in s) or ("." in s and s.count(":") < 3)
    parts = s.replace(";", ":").replace(".", ":").split(":")
    if len(parts) != 4 or not all(p.strip().isdigit() for p in parts):
        raise ValueError("{!r} is not a timecode HH:MM:SS:FF".format(tc))
    h, m, sec, f = (int(p) for p in parts)
    fps = rate.nominal
    if m >= 60 or sec >= 60 or f >= fps:
        raise ValueError("{!r} is not a valid timecode at {:.3f} fps".format(tc, rate.fps))
    frames = ((h * 60 + m) * 60 + sec) * fps + f
    if drop and rate.supports_drop_frame():
        total_minutes = h * 60 + m
        frames -= _drop_per_minute(rate) * (total_minutes - total_minutes // 10)
    return frames


def format_timecode(frames, rate, drop=None):
    """A frame count as "HH:MM:SS:FF" (";FF" when drop-frame)."""
    if drop is None:
        drop = rate.drop
    drop = drop and rate.supports_drop_frame()
    fps = rate.nominal
    n = int(frames)
    sign = "-" if n < 0 else ""
    n = abs(n)
    if drop:
        d = _drop_per_minute(rate)
        per_10 = fps * 600 - d * 9
        per_min = fps * 60 - d
        tens, rem = divmod(n, per_10)
        if rem > d:
            n += d * 9 * tens + d * ((rem - d) // per_min)
        else:
            n += d * 9 * tens
    f = n % fps
    total = n // fps
    sep = ";" if drop else ":"
    return "{}{:02d}:{:02d}:{:02d}{}{:02d}".format(
        sign, total // 3600, (total // 60) % 60, total % 60, sep, f
    )


def convert_frames(frames, from_rate, to_rate):
    """Frames counted at one rate, as the nearest whole frame at another."""
    if from_rate.close_to(to_rate):
        return int(frames)
    return int(round(Fraction(int(frames)) * Fraction(to_rate.num, to_rate.den)
                     / Fraction(from_rate.num, from_rate.den)))


def srt_time(frames, rate):
    """Record frames as an SRT time "HH:MM:SS,mmm" (the daemon reads it back exactly)."""
    ms = int(round(Fraction(int(frames)) * 1000 * rate.den / rate.num))
    h, rem = divmod(ms, 3600000)
    m, rem = divmod(rem, 60000)
    s, ms = divmod(rem, 1000)
    return "{:02d}:{:02d}:{:02d},{:03d}".format(h, m, s, ms)
