//! cutbridge-interchange's integration tests, in one test binary: the readers against files
//! written by other tools (OpenTimelineIO's adapters, the `srt` and `pysrt` libraries) and by
//! hand in the shapes NLEs export, and their robustness to arbitrary input.

mod common {
    pub mod python;
}

mod read_edl;
mod read_transcripts;
mod read_xml;
mod reader_robustness;
