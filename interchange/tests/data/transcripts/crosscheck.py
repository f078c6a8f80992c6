"""Subtitle files written and read by independent libraries, for `tests/read_transcripts.rs`.

    python3 crosscheck.py OUTDIR

1. Writes SRT files with the PyPI `srt` and `pysrt` libraries (Chinese and English lines,
   multi-line cues, speaker labels; UTF-8, UTF-8 with a BOM, UTF-16 and GB18030), each with the
   cues the test expects CutBridge's reader to find in it.
2. Writes the tolerant-case SRT files below (odd line ends, missing numbers, markup, ...) and
   parses each with both libraries.

Prints one JSON object: {"written": [{file, offset_ms, cues: [{start, end, speaker, text}]}],
"parsed": [{file, offset_ms, srt: [{start, end, text}] or {"error"}, pysrt: ...}]}, where
times are milliseconds and `text` is the library's content with markup removed and its lines
joined by "\n". Needs `pip install -r requirements-dev.txt`.
"""

import datetime
import json
import os
import re
import sys

import pysrt
import srt

OUT = sys.argv[1]

# (start ms, end ms, speaker, the cue's lines, the text CutBridge should give)
LINES = [
    (600, 3600, None, ["（清晨的老街，鸟叫声）"], "（清晨的老街，鸟叫声）"),
    (4400, 8800, "李秀英", ["我在这条街上", "住了四十年了。"], "我在这条街上住了四十年了。"),
    (9200, 11000, "李秀英", ["嗯……"], "嗯……"),
    (24400, 26800, "BOB", ["So I, uh, I came here in...", "sorry, let me start again."],
     "So I, uh, I came here in... sorry, let me start again."),
    (27600, 28800, "BOB", ["Um, you know."], "Um, you know."),
    (29200, 35600, "张伟", ["那时候的豆浆", "one yuan a bowl"], "那时候的豆浆 one yuan a bowl"),
    (3599999, 3723456, None, ["A long one", "over the hour."], "A long one over the hour."),
]


def label(speaker, first):
    if speaker is None:
        return first
    sep = ": " if speaker.isascii() else "："
    return speaker + sep + first


def content(speaker, lines):
    return "\n".join([label(speaker, lines[0])] + lines[1:])


def expected():
    return [{"start": s, "end": e, "speaker": sp, "text": t} for s, e, sp, _, t in LINES]


def ms(td):
    return td // datetime.timedelta(milliseconds=1)


def write_with_srt(name, encoding):
    subs = [
        srt.Subtitle(
            index=i + 1,
            start=datetime.timedelta(milliseconds=s),
            end=datetime.timedelta(milliseconds=e),
            content=content(sp, lines),
        )
        for i, (s, e, sp, lines, _) in enumerate(LINES)
    ]
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(srt.compose(subs).encode(encoding))
    return {"file": name, "offset_ms": 0, "cues": expected()}


def write_with_pysrt(name, encoding, eol):
    items = pysrt.SubRipFile(eol=eol)
    for i, (s, e, sp, lines, _) in enumerate(LINES):
        items.append(
            pysrt.SubRipItem(
                index=i + 1,
                start=pysrt.SubRipTime.from_ordinal(s),
                end=pysrt.SubRipTime.from_ordinal(e),
                text=content(sp, lines),
            )
        )
    items.save(os.path.join(OUT, name), encoding=encoding)
    return {"file": name, "offset_ms": 0, "cues": expected()}


def write_resolve_style(name):
    """Timed from a start timecode of 01:00:00:00, as DaVinci Resolve exports."""
    hour = datetime.timedelta(hours=1)
    subs = [
        srt.Subtitle(
            index=i + 1,
            start=hour + datetime.timedelta(milliseconds=s),
            end=hour + datetime.timedelta(milliseconds=e),
            content=content(sp, lines),
        )
        for i, (s, e, sp, lines, _) in enumerate(LINES)
    ]
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="\r\n") as f:
        f.write(srt.compose(subs))
    return {"file": name, "offset_ms": 3600000, "cues": expected()}


# Tolerant cases, as bytes: what editors and tools actually hand over. Each one reads the same
# with both libraries and with CutBridge (no ambiguous input here).
CASES = {
    "crlf.srt": b"1\r\n00:00:01,000 --> 00:00:02,500\r\nHello\r\nthere\r\n\r\n"
    b"2\r\n00:00:03,000 --> 00:00:04,000\r\nBOB: Bye.\r\n\r\n",
    "no_final_newline.srt": b"1\n00:00:01,000 --> 00:00:02,000   \nTrailing   \n\n"
    b"2\n00:00:03,000 --> 00:00:04,000\nlast line",
    "missing_numbers.srt": b"00:00:01,000 --> 00:00:02,000\nfirst\n\n"
    b"00:00:03,000 --> 00:00:04,000\nsecond\n\n"
    b"3\n00:00:05,000 --> 00:00:06,000\nthird\n",
    "repeated_numbers.srt": b"1\n00:00:01,000 --> 00:00:02,000\nfirst\n\n"
    b"1\n00:00:03,000 --> 00:00:04,000\nsecond\n\n"
    b"5\n00:00:05,000 --> 00:00:06,000\nthird\n",
    "extra_blank_lines.srt": b"\n\n1\n00:00:01,000 --> 00:00:02,000\nfirst\n\n\n\n\n"
    b"2\n00:00:03,000 --> 00:00:04,000\nsecond\n\n\n",
    "digits_in_text.srt": b"1\n00:00:01,000 --> 00:00:02,000\nWe opened in\n1983\n\n"
    b"2\n00:00:03,000 --> 00:00:04,000\n2\n\n"
    b"3\n00:00:05,000 --> 00:00:06,000\n100\npercent\n",
    "arrows_and_coordinates.srt": b"1\n00:00:01,000-->00:00:02,000\nno spaces\n\n"
    b"2\n00:00:03,000   -->  00:00:04,000 X1:100 X2:600 Y1:10 Y2:50\ncoordinates\n\n"
    b"3\n00:00:05,000 -- > 00:00:06,000\nspaced arrow\n",
    "dots.srt": b"1\n00:00:01.000 --> 00:00:02.250\ndots\n\n2\n00:00:03,000 --> 00:00:04.000\nmixed\n",
    "markup.srt": "1\n00:00:01,000 --> 00:00:02,000\n<i>Um</i>, <b>I</b> think\n\n"
    "2\n00:00:03,000 --> 00:00:04,000\n<font color=\"#ffff00\">BOB: uh, yes</font>\n\n"
    "3\n00:00:05,000 --> 00:00:06,000\n{\\an8}张伟：<u>呃</u>，这个\n不要了\n".encode(),
    "chinese_multiline.srt": "1\n00:00:01,000 --> 00:00:02,000\n李秀英：我在这条街上\n住了四十年了。\n\n"
    "2\n00:00:03,000 --> 00:00:04,000\n张伟：嗯\nOK\n".encode(),
    "out_of_order.srt": b"1\n00:00:05,000 --> 00:00:06,000\nthird\n\n"
    b"2\n00:00:01,000 --> 00:00:02,000\nfirst\n\n"
    b"3\n00:00:03,000 --> 00:00:04,000\nsecond\n",
    "overlapping.srt": b"1\n00:00:01,000 --> 00:00:03,000\nBOB: one\n\n"
    b"2\n00:00:02,500 --> 00:00:04,000\nAMY: two\n",
    "big_hours.srt": b"1\n10:59:59,999 --> 11:00:00,001\nlate\n",
}

TAG = re.compile(r"</?(?:font|i|b|u)\b[^>]*>|\{\\[^}]*\}", re.IGNORECASE)


def clean(text):
    return TAG.sub("", text)


def parse_with_srt(data):
    try:
        return [
            {"start": ms(s.start), "end": ms(s.end), "text": clean(s.content)}
            for s in srt.parse(data.decode("utf-8"), ignore_errors=False)
        ]
    except Exception as e:  # noqa: BLE001 - the library's own refusal, reported as such
        return {"error": f"{type(e).__name__}: {e}"}


def parse_with_pysrt(data):
    try:
        items = pysrt.from_string(data.decode("utf-8"), error_handling=pysrt.ERROR_RAISE)
        return [
            {"start": i.start.ordinal, "end": i.end.ordinal, "text": clean(i.text)} for i in items
        ]
    except Exception as e:  # noqa: BLE001
        return {"error": f"{type(e).__name__}: {e}"}


def main():
    written = [
        write_with_srt("srt_utf8.srt", "utf-8"),
        write_with_srt("srt_gb18030.srt", "gb18030"),
        write_with_pysrt("pysrt_utf16.srt", "utf-16", "\r\n"),
        write_with_pysrt("pysrt_utf8_bom.srt", "utf-8-sig", "\n"),
        write_resolve_style("resolve_from_1h.srt"),
    ]
    parsed = []
    for name, data in CASES.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        parsed.append(
            {
                "file": name,
                "offset_ms": 0,
                "srt": parse_with_srt(data),
                "pysrt": parse_with_pysrt(data),
            }
        )
    json.dump({"written": written, "parsed": parsed}, sys.stdout, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
