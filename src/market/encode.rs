//! Encoding one partition's rows into Parquet, row group by row group, on several threads.
//!
//! The file is the one [`super::parquet_io::ParquetSink`] would write for the same rows and
//! settings (same schema, Arrow schema metadata, row-group cut, statistics and encodings): each
//! row group is converted to Arrow and encoded (page encoding, statistics, snappy) by a worker
//! into in-memory column chunks, and the calling thread appends the finished row groups to the
//! file in order. With one thread the same steps run inline.
//!
//! Workers run ahead of the writer by at most a few row groups, so a partition is never held
//! twice in memory.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;

use super::fileio::{AtomicFile, Finished};
use super::rows::MarketRow;
use crate::{Error, Result};

/// Row groups a worker may have encoded ahead of the one being written, per worker.
const AHEAD_PER_WORKER: usize = 2;

fn parquet_error(what: &str, e: ParquetError) -> Error {
    Error::Db(format!("{what}: {e}"))
}

/// Converts rows to a batch and encodes every column of it as row group `index`.
fn encode_group<R: MarketRow>(
    factory: &ArrowRowGroupWriterFactory,
    index: usize,
    rows: &[R],
) -> Result<Vec<ArrowColumnChunk>> {
    let batch = R::to_batch(rows)?;
    let schema = R::schema();
    let encode = || -> std::result::Result<Vec<ArrowColumnChunk>, ParquetError> {
        let mut writers = factory.create_column_writers(index)?;
        // Flat schemas: one column writer per field.
        for ((writer, field), column) in writers.iter_mut().zip(schema.fields()).zip(batch.columns()) {
            for leaf in compute_leaves(field, column)? {
                writer.write(&leaf)?;
            }
        }
        writers.into_iter().map(|w| w.close()).collect()
    };
    encode().map_err(|e| parquet_error("parquet encode", e))
}

/// Appends one encoded row group to the file.
fn append_group(writer: &mut SerializedFileWriter<AtomicFile>, chunks: Vec<ArrowColumnChunk>) -> Result<()> {
    let append = || -> std::result::Result<(), ParquetError> {
        let mut group = writer.next_row_group()?;
        for chunk in chunks {
            chunk.append_to_row_group(&mut group)?;
        }
        group.close()?;
        Ok(())
    };
    append().map_err(|e| parquet_error("parquet write", e))
}

/// Encodes sorted `rows` into `file` in row groups of `row_group_rows`, using up to `threads`
/// encoder threads; returns the finished temp file, not yet fsynced (the caller syncs its
/// [`Finished::temp_path`]), and its row-group count.
///
/// # Errors
/// [`Error::Io`] or [`Error::Db`] if encoding or writing fails (the temp file is removed).
pub fn write_rows<R: MarketRow>(
    file: AtomicFile,
    rows: &[R],
    props: WriterProperties,
    row_group_rows: usize,
    threads: usize,
) -> Result<(Finished, u64)> {
    let writer =
        ArrowWriter::try_new(file, R::schema(), Some(props)).map_err(|e| parquet_error("parquet writer", e))?;
    let (mut writer, factory) = writer
        .into_serialized_writer()
        .map_err(|e| parquet_error("parquet writer", e))?;
    let groups: Vec<&[R]> = rows.chunks(row_group_rows.max(1)).collect();
    let threads = threads.clamp(1, groups.len().max(1));
    if threads == 1 {
        for (i, rows) in groups.iter().enumerate() {
            append_group(&mut writer, encode_group(&factory, i, rows)?)?;
        }
    } else {
        encode_parallel(&mut writer, &factory, &groups, threads)?;
    }
    let file = writer.into_inner().map_err(|e| parquet_error("parquet footer", e))?;
    Ok((file.finish_unsynced()?, groups.len() as u64))
}

/// Workers take row groups in order from a shared counter (staying at most a few ahead of the
/// writer) and send them encoded; this thread appends them in order.
fn encode_parallel<R: MarketRow>(
    writer: &mut SerializedFileWriter<AtomicFile>,
    factory: &ArrowRowGroupWriterFactory,
    groups: &[&[R]],
    threads: usize,
) -> Result<()> {
    let next = AtomicUsize::new(0);
    let written = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let window = threads * AHEAD_PER_WORKER;
    let (tx, rx) = crossbeam_channel::unbounded::<(usize, Result<Vec<ArrowColumnChunk>>)>();
    std::thread::scope(|s| {
        for _ in 0..threads {
            let tx = tx.clone();
            let (next, written, stop) = (&next, &written, &stop);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(rows) = groups.get(i) else { break };
                    // Stay within the window ahead of the writer (bounded memory).
                    while i >= written.load(Ordering::Acquire) + window && !stop.load(Ordering::Acquire) {
                        std::thread::park_timeout(std::time::Duration::from_micros(200));
                    }
                    if stop.load(Ordering::Acquire) || tx.send((i, encode_group(factory, i, rows))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let result = (|| {
            let mut pending: BTreeMap<usize, Vec<ArrowColumnChunk>> = BTreeMap::new();
            let mut want = 0;
            while want < groups.len() {
                if let Some(chunks) = pending.remove(&want) {
                    append_group(writer, chunks)?;
                    want += 1;
                    written.store(want, Ordering::Release);
                    continue;
                }
                let (i, encoded) = rx
                    .recv()
                    .map_err(|_| Error::Unavailable("a parquet encoder thread stopped".into()))?;
                pending.insert(i, encoded?);
            }
            Ok(())
        })();
        if result.is_err() {
            stop.store(true, Ordering::Release);
        }
        result
    })
}
