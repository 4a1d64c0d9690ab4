//! Images: an upload is trusted only once it has been decoded, and what is
//! stored is a fresh re-encoding of the pixels, so no metadata (EXIF, GPS,
//! camera serials) and no smuggled payload survives. Files are named by the
//! hash of their content, which makes them safe to cache forever.
//!
//! Depends on `image`; nothing else in Kiosque does. Files are kept behind
//! one interface (`BlobStore`): a local directory or an S3-compatible bucket.

mod blob;
mod demo;
mod variants;

pub use blob::{BlobStore, LocalBlobStore, S3BlobStore, S3Settings};
pub use demo::{demo_photo, photo_like};
pub use variants::{
    VARIANT_WIDTHS, Variant, files_of, make_variants, scaled_height, variant_name, widths_for,
};

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use kiosque_core::model::NewMediaAsset;
use sha2::{Digest, Sha256};

/// Limits an upload must respect.
#[derive(Debug, Clone, Copy)]
pub struct MediaLimits {
    /// Largest file accepted, in bytes.
    pub max_bytes: u64,
    /// Largest image accepted, in pixels (width × height): a guard against
    /// decompression bombs, checked before any pixel is decoded.
    pub max_pixels: u64,
}

impl Default for MediaLimits {
    fn default() -> Self {
        MediaLimits {
            max_bytes: 20 * 1024 * 1024,
            max_pixels: 50_000_000,
        }
    }
}

/// Why an image was refused.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// Over the byte limit.
    #[error("the file is {size} bytes, over the limit of {max} bytes")]
    TooLarge {
        /// Size of the file.
        size: u64,
        /// The limit.
        max: u64,
    },
    /// Over the pixel limit.
    #[error("the image is {width}×{height} pixels, over the limit of {max} pixels")]
    TooManyPixels {
        /// Width.
        width: u32,
        /// Height.
        height: u32,
        /// The limit.
        max: u64,
    },
    /// Not a JPEG, PNG, WebP or GIF that decodes.
    #[error("not a readable JPEG, PNG, WebP or GIF image ({0})")]
    Undecodable(String),
    /// Writing the file failed.
    #[error("could not store the image: {0}")]
    Io(#[from] std::io::Error),
}

/// An image ready to store: re-encoded bytes and what the store records.
#[derive(Debug, Clone)]
pub struct IngestedImage {
    /// What the database records.
    pub meta: NewMediaAsset,
    /// The re-encoded file.
    pub bytes: Vec<u8>,
}

/// Decodes an upload (whatever its name claims), checks it against the
/// limits and re-encodes it: JPEG stays JPEG, the rest becomes PNG.
pub fn ingest(bytes: &[u8], limits: MediaLimits) -> Result<IngestedImage, MediaError> {
    let size = bytes.len() as u64;
    if size > limits.max_bytes {
        return Err(MediaError::TooLarge {
            size,
            max: limits.max_bytes,
        });
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| MediaError::Undecodable(e.to_string()))?;
    let format = match reader.format() {
        Some(f @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif)) => {
            f
        }
        _ => return Err(MediaError::Undecodable("unknown format".into())),
    };
    if format == ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        // The JPEG decoder fills a cut-off image with grey rather than
        // failing; a half-uploaded photo must not be published that way.
        return Err(MediaError::Undecodable("the JPEG file is cut off".into()));
    }
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| MediaError::Undecodable(e.to_string()))?;
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(MediaError::TooManyPixels {
            width,
            height,
            max: limits.max_pixels,
        });
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut decode_limits = Limits::default();
    decode_limits.max_image_width = Some(width);
    decode_limits.max_image_height = Some(height);
    decode_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8));
    reader.limits(decode_limits);
    let undecodable = |e: image::ImageError| MediaError::Undecodable(e.to_string());
    let mut decoder = reader.into_decoder().map_err(undecodable)?;
    // A phone stores a portrait photo sideways with an EXIF note saying
    // so; the note is dropped with the rest of the metadata, so the turn is
    // applied to the pixels first.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(undecodable)?;
    image.apply_orientation(orientation);
    encode(&image, format == ImageFormat::Jpeg)
}

/// Whether the main image's last scan is followed by the end marker. A
/// thumbnail inside the EXIF block has its own markers, but they all come
/// before the main image's scans.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let find_last = |marker: u8| bytes.windows(2).rposition(|w| w == [0xFF, marker]);
    match (find_last(0xDA), find_last(0xD9)) {
        (Some(scan), Some(end)) => end > scan,
        _ => false,
    }
}

fn encode(image: &DynamicImage, jpeg: bool) -> Result<IngestedImage, MediaError> {
    let mut out = Vec::new();
    let (ext, mime) = if jpeg {
        let rgb = image.to_rgb8();
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85);
        rgb.write_with_encoder(encoder)
            .map_err(|e| MediaError::Undecodable(e.to_string()))?;
        ("jpg", "image/jpeg")
    } else {
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map_err(|e| MediaError::Undecodable(e.to_string()))?;
        ("png", "image/png")
    };
    let hash = Sha256::digest(&out);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    Ok(IngestedImage {
        meta: NewMediaAsset {
            file_name: format!("{hex}.{ext}"),
            mime: mime.to_owned(),
            width: image.width(),
            height: image.height(),
            byte_size: out.len() as u64,
            color: average_color(image),
            original_name: String::new(),
        },
        bytes: out,
    })
}

/// The picture's average colour as `#rrggbb`: what a reader sees in the
/// image's place until it arrives.
fn average_color(image: &DynamicImage) -> String {
    let small = image.thumbnail(8, 8).to_rgb8();
    let n = u64::from(small.width() * small.height()).max(1);
    let mut sum = [0u64; 3];
    for p in small.pixels() {
        for (s, c) in sum.iter_mut().zip(p.0) {
            *s += u64::from(c);
        }
    }
    format!("#{:02x}{:02x}{:02x}", sum[0] / n, sum[1] / n, sum[2] / n)
}

/// True for names this crate produces: `<64 hex>.<jpg|png>` for an image
/// and `<64 hex>-<width>.<webp|jpg>` for its copies. Anything else (`..`,
/// slashes, other extensions) is refused before touching the disk.
pub fn is_media_file_name(name: &str) -> bool {
    let Some((stem, ext)) = name.split_once('.') else {
        return false;
    };
    let is_hash = |h: &str| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    match stem.split_once('-') {
        None => is_hash(stem) && matches!(ext, "jpg" | "png"),
        Some((hash, width)) => {
            is_hash(hash)
                && matches!(ext, "jpg" | "webp")
                && width
                    .parse::<u32>()
                    .is_ok_and(|w| VARIANT_WIDTHS.contains(&w) && width == w.to_string())
        }
    }
}

/// MIME type of a stored media file name.
pub fn mime_of(name: &str) -> &'static str {
    if name.ends_with(".jpg") {
        "image/jpeg"
    } else if name.ends_with(".webp") {
        "image/webp"
    } else {
        "image/png"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_round_trips_with_its_size() {
        let png = demo_photo(3, 64, 48, false);
        let img = ingest(&png, MediaLimits::default()).unwrap();
        assert_eq!((img.meta.width, img.meta.height), (64, 48));
        assert!(is_media_file_name(&img.meta.file_name));
        assert!(img.meta.file_name.ends_with(".png"));
    }

    #[test]
    fn a_jpeg_stays_jpeg() {
        let jpg = demo_photo(3, 64, 48, true);
        let img = ingest(&jpg, MediaLimits::default()).unwrap();
        assert!(img.meta.file_name.ends_with(".jpg"));
    }

    #[test]
    fn html_named_jpg_is_refused() {
        let err = ingest(
            b"<html><script>alert(1)</script></html>",
            MediaLimits::default(),
        );
        assert!(matches!(err, Err(MediaError::Undecodable(_))));
    }

    #[test]
    fn truncated_png_is_refused() {
        let png = demo_photo(1, 64, 48, false);
        let err = ingest(&png[..png.len() / 2], MediaLimits::default());
        assert!(matches!(err, Err(MediaError::Undecodable(_))), "{err:?}");
    }

    #[test]
    fn oversized_images_are_refused_before_decoding() {
        let png = demo_photo(1, 64, 48, false);
        let limits = MediaLimits {
            max_bytes: 1 << 20,
            max_pixels: 1000,
        };
        assert!(matches!(
            ingest(&png, limits),
            Err(MediaError::TooManyPixels { .. })
        ));
        let limits = MediaLimits {
            max_bytes: 10,
            max_pixels: 1 << 30,
        };
        assert!(matches!(
            ingest(&png, limits),
            Err(MediaError::TooLarge { .. })
        ));
    }

    #[test]
    fn media_names_refuse_traversal() {
        let hash = "a".repeat(64);
        assert!(is_media_file_name(&format!("{hash}-640.webp")));
        assert!(is_media_file_name(&format!("{hash}-1920.jpg")));
        for bad in [
            "-641.webp",
            "-0640.webp",
            "-640.png",
            "-640.webp.html",
            "--640.jpg",
        ] {
            assert!(!is_media_file_name(&format!("{hash}{bad}")), "{bad}");
        }
        assert!(!is_media_file_name(&format!("../{}.jpg", "a".repeat(61))));
        assert!(!is_media_file_name("../etc/passwd"));
        assert!(!is_media_file_name(&format!("{}.html", "a".repeat(64))));
        assert!(is_media_file_name(&format!("{}.jpg", "a".repeat(64))));
    }
}
