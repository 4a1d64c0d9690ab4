//! What an upload may be, and what comes out of it: each accepted format
//! round-trips; hostile or broken files are refused with a reason; nothing
//! of the original's metadata survives, but its orientation does.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};
use kiosque_media::{MediaError, MediaLimits, demo_photo, ingest};

fn photo(width: u32, height: u32) -> DynamicImage {
    image::load_from_memory(&demo_photo(7, width, height, false)).unwrap()
}

fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    image.write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

#[test]
fn each_accepted_format_round_trips() {
    let source = photo(96, 64);
    for (format, ext) in [
        (ImageFormat::Jpeg, "jpg"),
        (ImageFormat::Png, "png"),
        (ImageFormat::WebP, "png"),
        (ImageFormat::Gif, "png"),
    ] {
        let image = if format == ImageFormat::Jpeg {
            DynamicImage::ImageRgb8(source.to_rgb8())
        } else {
            DynamicImage::ImageRgba8(source.to_rgba8())
        };
        let stored = ingest(&encoded(&image, format), MediaLimits::default())
            .unwrap_or_else(|e| panic!("{format:?}: {e}"));
        assert_eq!(
            (stored.meta.width, stored.meta.height),
            (96, 64),
            "{format:?}"
        );
        assert!(stored.meta.file_name.ends_with(ext), "{format:?}");
        let back = image::load_from_memory(&stored.bytes).unwrap();
        assert_eq!((back.width(), back.height()), (96, 64));
        // The pixels survive (JPEG within its loss).
        let (a, b) = (back.to_rgb8(), source.to_rgb8());
        let total: u32 = a
            .pixels()
            .zip(b.pixels())
            .map(|(p, q)| (0..3).map(|i| p[i].abs_diff(q[i]) as u32).sum::<u32>())
            .sum();
        let mean = total / (96 * 64);
        assert!(mean < 12, "{format:?} changed the picture (mean {mean})");
    }
}

#[test]
fn an_animated_gif_keeps_its_first_frame() {
    use image::codecs::gif::GifEncoder;
    use image::{Delay, Frame};
    let red = RgbaImage::from_pixel(20, 10, image::Rgba([220, 20, 20, 255]));
    let blue = RgbaImage::from_pixel(20, 10, image::Rgba([20, 20, 220, 255]));
    let mut gif = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut gif);
        for frame in [red, blue] {
            encoder
                .encode_frame(Frame::from_parts(
                    frame,
                    0,
                    0,
                    Delay::from_numer_denom_ms(100, 1),
                ))
                .unwrap();
        }
    }
    let stored = ingest(&gif, MediaLimits::default()).unwrap();
    let back = image::load_from_memory(&stored.bytes).unwrap().to_rgb8();
    let p = back.get_pixel(5, 5);
    assert!(p[0] > 150 && p[2] < 100, "first frame is red: {p:?}");
}

#[test]
fn broken_and_hostile_files_are_refused_with_a_reason() {
    let limits = MediaLimits::default();
    let jpeg = demo_photo(2, 200, 120, true);
    let refused = |bytes: &[u8]| match ingest(bytes, limits) {
        Err(MediaError::Undecodable(reason)) => reason,
        Err(other) => panic!("expected an undecodable refusal, got {other}"),
        Ok(image) => panic!("expected a refusal, got {:?}", image.meta),
    };
    assert!(refused(&jpeg[..jpeg.len() / 2]).contains("cut off"));
    assert!(refused(&jpeg[..jpeg.len() - 2]).contains("cut off"));
    refused(b"<html><body><script>alert(document.cookie)</script></body></html>");
    refused(
        br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>"#,
    );
    refused(b"");
    // A PNG that claims 100,000 x 100,000 pixels (10 gigapixels) in a few
    // bytes: refused from its header, before any pixel is decoded.
    let bomb = png_with_chunks(100_000, 100_000, &[]);
    assert!(bomb.len() < 200);
    match ingest(&bomb, limits) {
        Err(MediaError::TooManyPixels { width, height, .. }) => {
            assert_eq!((width, height), (100_000, 100_000))
        }
        other => panic!("expected a pixel refusal, got {other:?}"),
    }
    // 30 MB, over the default 20 MB.
    let huge = vec![0xFFu8; 30 * 1024 * 1024];
    assert!(matches!(
        ingest(&huge, limits),
        Err(MediaError::TooLarge { .. })
    ));
}

#[test]
fn no_metadata_survives_and_the_orientation_is_applied() {
    let jpeg = demo_photo(3, 64, 48, true);
    let tagged = with_exif(&jpeg, 6);
    assert!(contains(&tagged, b"SERIAL-12345") && contains(&tagged, b"Exif"));
    let stored = ingest(&tagged, MediaLimits::default()).unwrap();
    for needle in [&b"Exif"[..], b"SERIAL-12345", &[0xFF, 0xE1]] {
        assert!(!contains(&stored.bytes, needle), "{needle:?} survived");
    }
    // Orientation 6: the camera was turned a quarter clockwise.
    assert_eq!((stored.meta.width, stored.meta.height), (48, 64));
    let upright = ingest(&with_exif(&jpeg, 1), MediaLimits::default()).unwrap();
    assert_eq!((upright.meta.width, upright.meta.height), (64, 48));
    // PNG text chunks (where some tools write locations) go too.
    let source = photo(32, 16).to_rgb8();
    let text = chunk(b"tEXt", b"Comment\0GPS 14.6937N 17.4441W SERIAL-12345");
    let png = png_with_chunks(32, 16, &[text])
        .into_iter()
        .collect::<Vec<_>>();
    let png = replace_idat(&png, &source);
    let stored = ingest(&png, MediaLimits::default()).unwrap();
    assert!(!contains(&stored.bytes, b"SERIAL-12345"));
    assert!(!contains(&stored.bytes, b"tEXt"));
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A JPEG with an EXIF block: orientation, a GPS position and a camera
/// serial number, as a phone writes them.
fn with_exif(jpeg: &[u8], orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    let entry = |tiff: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
        tiff.extend(tag.to_be_bytes());
        tiff.extend(kind.to_be_bytes());
        tiff.extend(count.to_be_bytes());
        tiff.extend(value.to_be_bytes());
    };
    // IFD0 at 8: orientation, GPS pointer, serial (at 80).
    tiff.extend(3u16.to_be_bytes());
    entry(&mut tiff, 0x0112, 3, 1, u32::from(orientation) << 16);
    entry(&mut tiff, 0x8825, 4, 1, 50);
    entry(&mut tiff, 0xA431, 2, 13, 80);
    tiff.extend(0u32.to_be_bytes());
    // GPS IFD at 50: latitude reference and latitude (at 93).
    tiff.extend(2u16.to_be_bytes());
    entry(&mut tiff, 1, 2, 2, u32::from_be_bytes(*b"N\0\0\0"));
    entry(&mut tiff, 2, 5, 3, 93);
    tiff.extend(0u32.to_be_bytes());
    assert_eq!(tiff.len(), 80);
    tiff.extend(b"SERIAL-12345\0");
    for (num, den) in [(14u32, 1u32), (41, 1), (37, 1)] {
        tiff.extend(num.to_be_bytes());
        tiff.extend(den.to_be_bytes());
    }
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend(tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
    out.extend(app1);
    out.extend(&jpeg[2..]);
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend(data);
    out.extend(&body);
    out.extend(crc32(&body).to_be_bytes());
    out
}

/// A PNG header for an 8-bit RGB image of any claimed size, these extra
/// chunks, a tiny (wrong-sized) image stream and the end.
fn png_with_chunks(width: u32, height: u32, extra: &[Vec<u8>]) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    for c in extra {
        out.extend(c);
    }
    // zlib stream of nothing: far too short for the claimed size.
    out.extend(chunk(
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// Puts real pixels in a PNG built by `png_with_chunks`: its IDAT is
/// replaced by the one the encoder writes for `pixels`.
fn replace_idat(png: &[u8], pixels: &RgbImage) -> Vec<u8> {
    let real = encoded(&DynamicImage::ImageRgb8(pixels.clone()), ImageFormat::Png);
    let idat = |bytes: &[u8]| -> (usize, usize) {
        let at = bytes.windows(4).position(|w| w == b"IDAT").unwrap() - 4;
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        (at, at + 12 + len)
    };
    let (from, to) = idat(png);
    let (rfrom, rto) = idat(&real);
    let mut out = png[..from].to_vec();
    out.extend(&real[rfrom..rto]);
    out.extend(&png[to..]);
    out
}
