//! A WordPress export file, read record by record: read or refused, never
//! a panic or a hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let reader = kiosque_transfer::wxr::WxrReader::new(std::io::BufReader::new(bytes));
    for record in reader.take(10_000) {
        if record.is_err() {
            break;
        }
    }
});
