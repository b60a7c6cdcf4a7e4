//! Fuzzes the media playlist parser and writer.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::check("#EXTM3U\n#EXT-X-TARGETDURATION:6\n", data);
});
