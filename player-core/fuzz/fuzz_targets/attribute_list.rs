//! Fuzzes the attribute-list splitter: no panic, values are sub-slices of the input.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let list = String::from_utf8_lossy(data);
    for attr in player_core::hls::attributes(&list) {
        assert!(attr.name.len() + attr.value.len() <= list.len());
        assert!(!attr.name.contains(','));
        if !attr.quoted {
            assert!(!attr.value.contains(','));
        }
    }
});
