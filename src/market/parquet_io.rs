//! Parquet encoding of partitions and exports, and decoding with row-group pruning.
//!
//! Files are snappy-compressed, with min/max statistics per row group on every column, rows
//! sorted by `ts` (declared in the row-group metadata). Floats are plain-encoded (dictionaries
//! do not pay on prices), `ts` delta-encoded (monotonic integers pack to a few bits each).

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::basic::{Compression, Encoding};
use parquet::errors::ParquetError;
use parquet::file::metadata::{ParquetMetaData, SortingColumn};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::file::statistics::Statistics;
use parquet::schema::types::ColumnPath;

use super::fileio::{AtomicFile, Finished};
use crate::{Error, Result};

/// Rows per Parquet row group for market partitions unless configured otherwise.
pub const DEFAULT_ROW_GROUP_ROWS: usize = 16_384;

/// Upper bound of the rows handed to a column encoder at once.
const MAX_WRITE_BATCH_ROWS: usize = 65_536;

/// Writer settings for market partitions (`sorted` declares `ts` ascending) and exports.
pub fn writer_props(row_group_rows: usize, sorted: bool) -> WriterProperties {
    let mut b = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_dictionary_enabled(false)
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_max_row_group_row_count(Some(row_group_rows.max(1)))
        // Values go to the column encoders a row group at a time rather than 1 024 at a time
        // (the default): fewer statistics and page-size checks per value.
        .set_write_batch_size(row_group_rows.clamp(1_024, MAX_WRITE_BATCH_ROWS))
        .set_created_by(format!("tradestore {}", env!("CARGO_PKG_VERSION")));
    if sorted {
        b = b
            .set_column_encoding(ColumnPath::from("ts"), Encoding::DELTA_BINARY_PACKED)
            .set_sorting_columns(Some(vec![SortingColumn {
                column_idx: 0,
                descending: false,
                nulls_first: false,
            }]));
    }
    b.build()
}

fn parquet_error(what: &str, e: ParquetError) -> Error {
    Error::Db(format!("{what}: {e}"))
}

/// A Parquet file being written batch by batch into an [`AtomicFile`].
pub struct ParquetSink {
    writer: ArrowWriter<AtomicFile>,
}

impl ParquetSink {
    /// Starts a file of `schema`.
    ///
    /// # Errors
    /// [`Error::Db`] if the writer refuses the schema or settings.
    pub fn new(file: AtomicFile, schema: SchemaRef, props: WriterProperties) -> Result<ParquetSink> {
        let writer = ArrowWriter::try_new(file, schema, Some(props)).map_err(|e| parquet_error("parquet writer", e))?;
        Ok(ParquetSink { writer })
    }

    /// Appends a batch (row groups are cut at the configured size).
    ///
    /// # Errors
    /// [`Error::Db`] if encoding or writing fails.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.writer.write(batch).map_err(|e| parquet_error("parquet write", e))
    }

    /// Writes the footer and fsyncs; returns the finished temp file and its row-group count.
    ///
    /// # Errors
    /// [`Error::Io`] or [`Error::Db`] (the temp file is removed).
    pub fn finish(mut self) -> Result<(Finished, u64)> {
        self.writer.flush().map_err(|e| parquet_error("parquet write", e))?;
        let row_groups = self.writer.flushed_row_groups().len() as u64;
        let file = self
            .writer
            .into_inner()
            .map_err(|e| parquet_error("parquet footer", e))?;
        Ok((file.finish()?, row_groups))
    }
}

/// Encodes `batches` into `file` and fsyncs it; returns the finished temp file and the number
/// of row groups written.
///
/// # Errors
/// [`Error::Io`] or [`Error::Db`] if encoding or writing fails (the temp file is removed).
pub fn write_parquet<'a>(
    file: AtomicFile,
    schema: SchemaRef,
    batches: impl IntoIterator<Item = &'a RecordBatch>,
    props: WriterProperties,
) -> Result<(Finished, u64)> {
    let mut sink = ParquetSink::new(file, schema, props)?;
    for b in batches {
        sink.write(b)?;
    }
    sink.finish()
}

/// The min and max of the INT64 column `col` in row group `rg`, when recorded.
fn ts_range(meta: &ParquetMetaData, rg: usize, col: usize) -> Option<(i64, i64)> {
    match meta.row_group(rg).column(col).statistics()? {
        Statistics::Int64(s) => Some((*s.min_opt()?, *s.max_opt()?)),
        _ => None,
    }
}

/// Opens verified file bytes for reading, keeping only row groups whose `ts` statistics
/// (in the file's unit, `[lo, hi]` inclusive) overlap the range. Row groups without
/// statistics are kept. Returns the reader and how many row groups were kept and skipped.
///
/// # Errors
/// [`Error::Corruption`] naming `what` if the file cannot be decoded or has another schema.
pub fn open_pruned(
    data: bytes::Bytes,
    what: &str,
    expected: &SchemaRef,
    lo: i64,
    hi: i64,
    batch_rows: usize,
) -> Result<(ParquetRecordBatchReader, usize, usize)> {
    open_pruned_within(data, what, expected, (lo, hi), batch_rows, 0..usize::MAX)
}

/// As [`open_pruned`] (with `range` = `(lo, hi)`), considering only the row groups whose index
/// is in `groups`; the counts are of those row groups.
///
/// # Errors
/// As [`open_pruned`].
pub fn open_pruned_within(
    data: bytes::Bytes,
    what: &str,
    expected: &SchemaRef,
    (lo, hi): (i64, i64),
    batch_rows: usize,
    groups: std::ops::Range<usize>,
) -> Result<(ParquetRecordBatchReader, usize, usize)> {
    let corrupt = |d: String| Error::corruption("market_catalog", what, d);
    let builder = ParquetRecordBatchReaderBuilder::try_new(data).map_err(|e| corrupt(format!("not Parquet: {e}")))?;
    super::schema::check_schema(builder.schema(), expected).map_err(|e| corrupt(e.to_string()))?;
    let meta = Arc::clone(builder.metadata());
    let considered = groups.start.min(meta.num_row_groups())..groups.end.min(meta.num_row_groups());
    let keep: Vec<usize> = considered
        .clone()
        .filter(|&rg| ts_range(&meta, rg, 0).is_none_or(|(min, max)| max >= lo && min <= hi))
        .collect();
    let (kept, skipped) = (keep.len(), considered.len() - keep.len());
    let reader = builder
        .with_row_groups(keep)
        .with_batch_size(batch_rows.max(1))
        .build()
        .map_err(|e| corrupt(format!("cannot be read: {e}")))?;
    Ok((reader, kept, skipped))
}
