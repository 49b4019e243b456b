//! Spilled tables: a window too large for memory, written to disk chunk by chunk so that
//! every later scan reads only the columns and rows it needs.
//!
//! When the enriched window would not fit in the memory limit, the pipeline enriches the
//! dataset one chunk at a time and appends each chunk to `<spill>/<table>.parquet` as its own
//! row group (LZ4: the files are temporary, written once and read by every rule). Rules then
//! scan those files lazily with projection and predicate pushdown instead of re-running the
//! enrichment joins in each plan. The directory is removed when the [`Spill`] is dropped.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::prelude::*;

use crate::schema::Table;

/// A temporary directory of spilled tables, removed on drop.
pub struct Spill {
    dir: PathBuf,
}

impl Spill {
    /// Create `<parent>/entrascope-spill-<pid>-<what>` (a previous run's leftover is
    /// replaced).
    pub fn create(parent: &Path, what: &str) -> Result<Spill> {
        let dir = parent.join(format!("entrascope-spill-{}-{what}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir)
                .with_context(|| format!("removing the stale spill {}", dir.display()))?;
        }
        fs::create_dir_all(&dir).with_context(|| {
            format!("cannot create the spill directory {}; give another with --spill-dir", dir.display())
        })?;
        Ok(Spill { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Write the frames `chunks` yields, in order, as `<table>.parquet` (one row group per
    /// chunk) and return a lazy scan of it. No chunk is held after it is written.
    pub fn write(
        &self,
        t: Table,
        schema: &Schema,
        chunks: impl Iterator<Item = Result<DataFrame>>,
    ) -> Result<LazyFrame> {
        let path = self.dir.join(format!("{}.parquet", t.name()));
        let file = fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let mut writer = ParquetWriter::new(std::io::BufWriter::new(file))
            .with_compression(ParquetCompression::Lz4Raw)
            .batched(schema)
            .map_err(|e| crate::fsio::failed(&path, None, e))?;
        for chunk in chunks {
            let mut df = chunk?;
            if df.height() == 0 {
                continue;
            }
            df.rechunk_mut_par();
            writer.write_batch(&df).map_err(|e| crate::fsio::failed(&path, None, e))?;
        }
        writer.finish().map_err(|e| crate::fsio::failed(&path, None, e))?;
        let Some(p) = path.to_str() else { anyhow::bail!("spill path {} is not UTF-8", path.display()) };
        Ok(LazyFrame::scan_parquet(PlRefPath::from(p), ScanArgsParquet::default())?)
    }
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}
