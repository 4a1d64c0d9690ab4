//! The image decoding path of every upload: any bytes are read as an image
//! or refused with a reason, never a panic, and never past the limits.
#![no_main]
use kiosque_media::MediaLimits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let limits = MediaLimits {
        max_bytes: 1 << 20,
        max_pixels: 4_000_000,
    };
    if let Ok(image) = kiosque_media::ingest(bytes, limits) {
        assert!(
            u64::from(image.meta.width) * u64::from(image.meta.height) <= limits.max_pixels,
            "{}×{}",
            image.meta.width,
            image.meta.height
        );
    }
});
