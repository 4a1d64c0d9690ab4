//! Benchmark of the image pipeline (run by `bench/media.sh`, in release):
//! for photo-like pictures of common camera and phone sizes, the time to
//! take an upload in (decode, check, re-encode) and to make its copies, per
//! megapixel, and the bytes a reader saves. When Debian's `cwebp` is
//! installed, it makes the 960-px WebP of the same original in the same
//! run, as a peer for speed and size.

use std::process::Command;
use std::time::Instant;

use kiosque_media::{MediaLimits, ingest, make_variants, photo_like};

fn main() {
    let sizes = [(4000, 3000), (3264, 2448), (1920, 1080), (1200, 900)];
    let cwebp = Command::new("cwebp").arg("-version").output().is_ok();
    let dir = tempfile::tempdir().expect("temporary directory");
    println!(
        "{:>10} {:>6} {:>10} {:>10} {:>10} {:>11} {:>11} {:>9} {:>12}",
        "size", "MP", "original", "ingest", "copies", "copies/MP", "960.webp", "saved", "cwebp 960"
    );
    let (mut total_mp, mut total_copy_s) = (0.0, 0.0);
    for (i, &(w, h)) in sizes.iter().enumerate() {
        let original = photo_like(i as u32 + 1, w, h);
        if let Some(keep) = std::env::var_os("KIOSQUE_BENCH_KEEP") {
            std::fs::write(
                std::path::Path::new(&keep).join(format!("{w}x{h}.jpg")),
                &original,
            )
            .expect("keep the original");
        }
        let mp = f64::from(w * h) / 1e6;
        let t = Instant::now();
        let stored = ingest(&original, MediaLimits::default()).expect("ingest");
        let ingest_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let copies = make_variants(&stored.bytes, "bench").expect("copies");
        let copy_s = t.elapsed().as_secs_f64();
        total_mp += mp;
        total_copy_s += copy_s;
        let phone = copies
            .iter()
            .find(|c| c.file_name == "bench-960.webp")
            .map_or(0, |c| c.bytes.len());
        let saved = 100.0 * (1.0 - phone as f64 / original.len() as f64);
        let peer = if cwebp {
            let input = dir.path().join(format!("{i}.jpg"));
            let output = dir.path().join(format!("{i}.webp"));
            std::fs::write(&input, &original).expect("write");
            let t = Instant::now();
            let status = Command::new("cwebp")
                .args(["-quiet", "-q", "75", "-resize", "960", "0"])
                .arg(&input)
                .arg("-o")
                .arg(&output)
                .status()
                .expect("cwebp");
            let s = t.elapsed().as_secs_f64();
            let bytes = std::fs::metadata(&output).map(|m| m.len()).unwrap_or(0);
            if status.success() {
                format!("{:.0} ms {} B", s * 1000.0, bytes)
            } else {
                "failed".to_owned()
            }
        } else {
            "not installed".to_owned()
        };
        println!(
            "{:>10} {:>6.1} {:>10} {:>8.0}ms {:>8.0}ms {:>9.0}ms {:>11} {:>8.1}% {:>12}",
            format!("{w}x{h}"),
            mp,
            original.len(),
            ingest_s * 1000.0,
            copy_s * 1000.0,
            copy_s * 1000.0 / mp,
            phone,
            saved,
            peer
        );
    }
    println!(
        "copies: {:.0} ms per megapixel of original on average (5 widths x WebP + JPEG)",
        total_copy_s * 1000.0 / total_mp
    );
}
