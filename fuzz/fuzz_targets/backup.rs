//! A backup file, read through `kiosque_transfer::backup::read` (the reader
//! `kiosque restore` uses) into a sink that only counts: read or refused
//! with a reason, never a panic; and whatever is read whole is what its
//! manifest and end entry say — every table with its rows, every row as
//! wide as its columns, every media file under a name the file store
//! accepts.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok((manifest, end, tally)) = kiosque_transfer::backup::tally(bytes, "fuzz") {
        for table in manifest.tables.iter().filter(|t| t.rows > 0) {
            assert_eq!(tally.rows.get(&table.name), Some(&table.rows));
        }
        assert_eq!(tally.media, end.media_files);
        assert_eq!((tally.misfits, tally.bad_names), (0, 0));
    }
});
