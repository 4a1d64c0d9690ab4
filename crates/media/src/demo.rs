//! Generated pictures for the demo site and the tests, so no photograph has
//! to be shipped or borrowed.

use std::io::Cursor;

use image::{ImageFormat, Rgb, RgbImage};

/// A photo-like picture (sky gradient, hills, a sun), different for each
/// `seed`, encoded as JPEG (quality 80) or PNG.
pub fn demo_photo(seed: u32, width: u32, height: u32, jpeg: bool) -> Vec<u8> {
    encode(&scene(seed, width, height), jpeg, 80)
}

/// The same scene with a camera's grain and fine texture, as a JPEG at a
/// camera's quality (92): it compresses about as badly as a real photo,
/// which the smooth `demo_photo` does not. For benchmarks and page-weight
/// tests, where a too-easy picture would flatter the figures.
pub fn photo_like(seed: u32, width: u32, height: u32) -> Vec<u8> {
    let mut img = scene(seed, width, height);
    // Detail at every scale, as leaves, walls and faces give a real photo:
    // blocks of random shade 1, 3, 9, 27 and 81 pixels wide, summed. Fine
    // grain alone would be averaged away in the smaller copies.
    let noise = |x: u32, y: u32, size: u32| -> i32 {
        let mut h = (x / size).wrapping_mul(374_761_393)
            ^ (y / size).wrapping_mul(668_265_263)
            ^ seed.wrapping_mul(2_246_822_519)
            ^ size;
        h = (h ^ (h >> 13)).wrapping_mul(1_274_126_177);
        (h >> 24) as i32 % 21 - 10
    };
    for (x, y, p) in img.enumerate_pixels_mut() {
        let detail: i32 = [1, 3, 9, 27, 81].iter().map(|&s| noise(x, y, s)).sum();
        for c in &mut p.0 {
            *c = (i32::from(*c) + detail).clamp(0, 255) as u8;
        }
    }
    encode(&img, true, 92)
}

fn scene(seed: u32, width: u32, height: u32) -> RgbImage {
    let hue = (seed.wrapping_mul(67) % 360) as f32;
    let sky = hsl(hue, 0.55, 0.62);
    let horizon = hsl((hue + 30.0) % 360.0, 0.6, 0.82);
    let hill = hsl((hue + 150.0) % 360.0, 0.35, 0.32);
    let sun_x = (width as f32) * (0.2 + ((seed % 7) as f32) * 0.1);
    let sun_y = (height as f32) * 0.3;
    let sun_r = (height as f32) * 0.12;
    RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let t = fy / height as f32;
        let wave = (fx / width as f32 * 6.3 + seed as f32).sin() * 0.06;
        if t > 0.62 + wave {
            let shade = 1.0 - (t - 0.62) * 0.8;
            return scale(hill, shade);
        }
        let d = ((fx - sun_x).powi(2) + (fy - sun_y).powi(2)).sqrt();
        if d < sun_r {
            return Rgb([255, 236, 170]);
        }
        mix(sky, horizon, t / 0.62)
    })
}

fn encode(img: &RgbImage, jpeg: bool, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    if jpeg {
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality);
        img.write_with_encoder(encoder)
            .expect("encoding to memory cannot fail");
    } else {
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .expect("encoding to memory cannot fail");
    }
    out
}

fn mix(a: Rgb<u8>, b: Rgb<u8>, t: f32) -> Rgb<u8> {
    let t = t.clamp(0.0, 1.0);
    Rgb(std::array::from_fn(|i| {
        (f32::from(a.0[i]) * (1.0 - t) + f32::from(b.0[i]) * t) as u8
    }))
}

fn scale(c: Rgb<u8>, k: f32) -> Rgb<u8> {
    Rgb(c.0.map(|v| (f32::from(v) * k).clamp(0.0, 255.0) as u8))
}

fn hsl(h: f32, s: f32, l: f32) -> Rgb<u8> {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match h as u32 {
        0..=59 => (c, x, 0.0),
        60..=119 => (x, c, 0.0),
        120..=179 => (0.0, c, x),
        180..=239 => (0.0, x, c),
        240..=299 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    Rgb([r, g, b].map(|v| ((v + m) * 255.0).round() as u8))
}
