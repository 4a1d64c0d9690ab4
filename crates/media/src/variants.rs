//! Smaller copies of an image for phones and small screens: each width in
//! WebP (small, read by every current browser) and JPEG (the fallback).
//! Made by the media worker, never while a reader waits.

use image::DynamicImage;
use image::imageops::FilterType;

use crate::MediaError;

/// The widths made, never larger than the original: a 360-px phone at
/// twice its density takes the 640 or 960 copy, a desktop the 1280 or 1920.
pub const VARIANT_WIDTHS: [u32; 5] = [320, 640, 960, 1280, 1920];

/// WebP quality: photos stay clean at a third of a JPEG's weight or less.
const WEBP_QUALITY: f32 = 75.0;
/// JPEG quality of the fallback copies.
const JPEG_QUALITY: u8 = 80;

/// One smaller copy.
#[derive(Debug, Clone)]
pub struct Variant {
    /// `<hash>-<width>.webp` or `.jpg`.
    pub file_name: String,
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
    /// The encoded file.
    pub bytes: Vec<u8>,
}

/// The copy widths for an image this wide: every standard width below it.
pub fn widths_for(width: u32) -> Vec<u32> {
    VARIANT_WIDTHS.into_iter().filter(|w| *w < width).collect()
}

/// The name of a copy of the image whose file is named `stem.ext`.
pub fn variant_name(stem: &str, width: u32, ext: &str) -> String {
    format!("{stem}-{width}.{ext}")
}

/// Every file stored for an image: the original, then each copy made so
/// far (WebP and JPEG per width).
pub fn files_of(asset: &kiosque_core::model::MediaAsset) -> Vec<String> {
    let copies = asset
        .variants
        .iter()
        .flat_map(|&w| ["webp", "jpg"].map(|ext| variant_name(asset.stem(), w, ext)));
    std::iter::once(asset.file_name.clone())
        .chain(copies)
        .collect()
}

/// Decodes a stored original (one this crate wrote, so trusted) and makes
/// its copies, WebP and JPEG for each width. Each width is scaled from the
/// next larger one, which keeps the work close to one resize of the
/// original whatever the number of widths.
pub fn make_variants(original: &[u8], stem: &str) -> Result<Vec<Variant>, MediaError> {
    let image =
        image::load_from_memory(original).map_err(|e| MediaError::Undecodable(e.to_string()))?;
    let mut out = Vec::new();
    let mut source = image.to_rgb8();
    for width in widths_for(image.width()).into_iter().rev() {
        let height = scaled_height(image.width(), image.height(), width);
        let resized = DynamicImage::ImageRgb8(source)
            .resize_exact(width, height, FilterType::CatmullRom)
            .to_rgb8();
        let webp = webp::Encoder::from_rgb(resized.as_raw(), width, height)
            .encode(WEBP_QUALITY)
            .to_vec();
        let mut jpeg = Vec::new();
        resized
            .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
                &mut jpeg,
                JPEG_QUALITY,
            ))
            .map_err(|e| MediaError::Undecodable(e.to_string()))?;
        for (ext, bytes) in [("webp", webp), ("jpg", jpeg)] {
            out.push(Variant {
                file_name: variant_name(stem, width, ext),
                width,
                height,
                bytes,
            });
        }
        source = resized;
    }
    out.reverse();
    Ok(out)
}

/// The height of a copy `to` pixels wide of a `width` × `height` image.
pub fn scaled_height(width: u32, height: u32, to: u32) -> u32 {
    let h = (u64::from(height) * u64::from(to) + u64::from(width) / 2) / u64::from(width);
    u32::try_from(h).unwrap_or(u32::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo_photo;

    #[test]
    fn copies_are_never_wider_than_the_original() {
        assert_eq!(widths_for(1000), vec![320, 640, 960]);
        assert_eq!(widths_for(320), Vec::<u32>::new());
        assert_eq!(widths_for(4000), VARIANT_WIDTHS.to_vec());
    }

    #[test]
    fn each_width_comes_in_webp_and_jpeg_with_the_same_proportions() {
        let original = demo_photo(4, 1000, 563, true);
        let copies = make_variants(&original, "abc").unwrap();
        let names: Vec<_> = copies.iter().map(|c| c.file_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "abc-320.jpg",
                "abc-320.webp",
                "abc-640.jpg",
                "abc-640.webp",
                "abc-960.jpg",
                "abc-960.webp"
            ]
        );
        for c in &copies {
            let decoded = image::load_from_memory(&c.bytes).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (c.width, c.height));
        }
        assert_eq!((copies[0].width, copies[0].height), (320, 180));
        let jpeg = copies[4].bytes.len();
        let webp = copies[5].bytes.len();
        assert!(webp < jpeg, "WebP {webp} bytes, JPEG {jpeg}");
    }
}
