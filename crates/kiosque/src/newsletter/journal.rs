//! Closes the gap between the database and the SMTP server when the
//! process is killed mid-message.
//!
//! A delivery is marked sent in the database *before* the message's final
//! dot, so a restart never mails anyone twice. Alone, that leaves a window
//! — from the moment the commit leaves for the database (PostgreSQL
//! finishes it even if we die waiting, and its fsync can take
//! milliseconds) until the dot is written — in which a `kill -9` loses the
//! message. This journal narrows that window to the few instructions
//! between two system calls: each connection writes "committing this
//! delivery" to its own small file before the commit, and "done" right
//! after the dot reaches the kernel, in the same poll of the socket. The
//! page cache outlives the process, so the next start reads the files of
//! workers that are gone (their lock is free) and gives back any delivery
//! left "committing": the database is the record, the journal only
//! corrects its last entry per connection.
//!
//! Written here rather than taken from a crate: it is one fixed-size
//! record overwritten in place, and the write must sit in the socket's
//! poll, which no write-ahead-log crate is shaped for.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Checks a record against torn or foreign bytes.
const MAGIC: u64 = 0x4b49_4f53_514e_4c31;
const COMMITTING: u64 = 1;
const DONE: u64 = 2;
const RECORD: usize = 40;

/// A delivery a connection was busy with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub send_id: i64,
    pub subscriber_id: i64,
    pub claim: i64,
}

/// One connection's record, locked while the connection lives.
#[derive(Debug)]
pub(crate) struct Journal {
    file: File,
    path: PathBuf,
    current: Mutex<Option<Entry>>,
}

fn encode(phase: u64, e: &Entry) -> [u8; RECORD] {
    let words = [
        phase,
        e.send_id as u64,
        e.subscriber_id as u64,
        e.claim as u64,
        phase ^ e.send_id as u64 ^ e.subscriber_id as u64 ^ e.claim as u64 ^ MAGIC,
    ];
    let mut out = [0u8; RECORD];
    for (chunk, word) in out.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&word.to_le_bytes());
    }
    out
}

fn decode(bytes: &[u8]) -> Option<(u64, Entry)> {
    if bytes.len() < RECORD {
        return None;
    }
    let word = |i: usize| {
        let mut w = [0u8; 8];
        w.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
        u64::from_le_bytes(w)
    };
    let (phase, send, sub, claim, check) = (word(0), word(1), word(2), word(3), word(4));
    (check == phase ^ send ^ sub ^ claim ^ MAGIC).then_some((
        phase,
        Entry {
            send_id: send as i64,
            subscriber_id: sub as i64,
            claim: claim as i64,
        },
    ))
}

impl Journal {
    /// A new record file in `dir`, locked for this connection's life.
    pub(crate) fn open(dir: &Path) -> io::Result<Journal> {
        std::fs::create_dir_all(dir)?;
        let mut name = [0u8; 8];
        getrandom::fill(&mut name).map_err(io::Error::other)?;
        let path = dir.join(format!(
            "connection-{:016x}.journal",
            u64::from_le_bytes(name)
        ));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        file.try_lock().map_err(io::Error::other)?;
        Ok(Journal {
            file,
            path,
            current: Mutex::new(None),
        })
    }

    /// Before the database records `entry` as sent.
    pub(crate) fn committing(&self, entry: Entry) -> io::Result<()> {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some(entry);
        self.file.write_all_at(&encode(COMMITTING, &entry), 0)
    }

    /// Nothing left to correct: right after the final dot was handed to
    /// the kernel, or once the database holds what else became of the
    /// delivery (the claim lost, a refusal recorded for a retry).
    pub(crate) fn done(&self) {
        let entry = self
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(entry) = entry
            && let Err(e) = self.file.write_all_at(&encode(DONE, &entry), 0)
        {
            tracing::warn!(error = %e, "newsletter journal not written");
        }
    }

    /// The files of workers now gone, with the delivery each left between
    /// the database's commit and the dot, if any. The caller removes a file
    /// once it has given its delivery back.
    pub(crate) fn orphans(dir: &Path) -> io::Result<Vec<(Option<Entry>, PathBuf)>> {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut found = Vec::new();
        for item in entries {
            let path = item?.path();
            if path.extension().is_none_or(|x| x != "journal") {
                continue;
            }
            let Ok(file) = OpenOptions::new().read(true).write(true).open(&path) else {
                continue;
            };
            // Held: a live connection's, here or in another process.
            if file.try_lock().is_err() {
                continue;
            }
            let mut bytes = [0u8; RECORD];
            let read = file.read_at(&mut bytes, 0)?;
            let entry = match decode(&bytes[..read]) {
                Some((COMMITTING, entry)) => Some(entry),
                _ => None,
            };
            found.push((entry, path));
        }
        Ok(found)
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        // A connection closed in order leaves nothing to correct. One
        // stopped between a commit and its dot (the server shutting down
        // mid-message) keeps its file for the next look to read.
        let open = self.current.lock().map_or(true, |c| c.is_some());
        if !open {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_left_committing_by_a_closed_file_is_found_once() {
        let dir = std::env::temp_dir().join(format!("kiosque-journal-{}", std::process::id()));
        let entry = Entry {
            send_id: 7,
            subscriber_id: -3,
            claim: i64::MAX,
        };
        let live = Journal::open(&dir).unwrap();
        live.committing(entry).unwrap();
        // Locked by a live connection: not an orphan.
        assert!(Journal::orphans(&dir).unwrap().is_empty());
        let entries = |dir: &Path| -> Vec<Entry> {
            Journal::orphans(dir)
                .unwrap()
                .into_iter()
                .filter_map(|(entry, path)| {
                    std::fs::remove_file(path).unwrap();
                    entry
                })
                .collect()
        };
        // A killed process: its lock goes, its file stays.
        let path = live.path.clone();
        live.file.unlock().unwrap();
        std::mem::forget(live);
        assert!(path.exists());
        assert_eq!(entries(&dir), vec![entry]);
        assert!(entries(&dir).is_empty());

        // Dropped mid-message (a shutdown): the file stays for the next look.
        let stopped = Journal::open(&dir).unwrap();
        stopped.committing(entry).unwrap();
        let path = stopped.path.clone();
        drop(stopped);
        assert!(path.exists());
        assert_eq!(entries(&dir), vec![entry]);

        let finished = Journal::open(&dir).unwrap();
        finished.committing(entry).unwrap();
        finished.done();
        let path = finished.path.clone();
        finished.file.unlock().unwrap();
        std::mem::forget(finished);
        assert!(path.exists());
        assert!(entries(&dir).is_empty());
        assert!(!path.exists());
        // A torn record is ignored.
        std::fs::write(dir.join("connection-torn.journal"), [1u8; 17]).unwrap();
        assert!(entries(&dir).is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
