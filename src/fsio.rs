//! Writing files with errors a responder can act on: every failed write names the path, and
//! when the disk is full says how much was being written and how much is free there (an
//! export of a big tenant fills a laptop's disk more often than anything else goes wrong).

use std::io;
use std::path::Path;

use anyhow::Error;

/// Write a whole file.
pub fn write(path: &Path, bytes: impl AsRef<[u8]>) -> anyhow::Result<()> {
    let bytes = bytes.as_ref();
    std::fs::write(path, bytes).map_err(|e| failed(path, Some(bytes.len() as u64), e))
}

/// The error for a failed write of `path`; `needed` is what was being written, when known.
pub fn failed(path: &Path, needed: Option<u64>, err: impl Into<Error>) -> Error {
    let err = err.into();
    if !is_storage_full(&err) {
        return err.context(format!("writing {}", path.display()));
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let free = free_bytes(dir).map_or_else(|| "unknown space".to_string(), human);
    let need = needed.map(|n| format!("{} to write, ", human(n))).unwrap_or_default();
    err.context(format!(
        "disk full writing {}: {need}{free} free on that file system; free some space or write --out to another disk",
        path.display()
    ))
}

/// Whether an error (anywhere in its chain, polars' IO errors included) is "no space left".
pub fn is_storage_full(err: &Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::StorageFull || e.raw_os_error() == Some(28))
    })
}

/// Bytes available to an unprivileged writer on the file system holding `dir`.
fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized out-parameter.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    (rc == 0).then(|| st.f_bavail as u64 * st.f_frsize as u64)
}

fn human(n: u64) -> String {
    crate::ingest::source::human_bytes(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_names_the_path_and_the_bytes() {
        let dir = std::env::temp_dir();
        let path = dir.join("report.html");
        let e = failed(&path, Some(5 << 20), io::Error::from(io::ErrorKind::StorageFull));
        let msg = format!("{e:#}");
        assert!(msg.contains("disk full writing") && msg.contains("report.html"), "{msg}");
        assert!(msg.contains("5.0 MiB to write") && msg.contains("free on that file system"), "{msg}");
        // Any other failure keeps its own message and still names the path.
        let e = failed(&path, None, io::Error::from(io::ErrorKind::PermissionDenied));
        let msg = format!("{e:#}");
        assert!(msg.starts_with("writing ") && !msg.contains("disk full"), "{msg}");
    }
}
