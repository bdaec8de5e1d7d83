/**
 * Log stores: {@link io.reactiveraft.log.InMemoryLogStore} for tests and simulations, and {@link
 * io.reactiveraft.log.MappedLogStore}, the durable one.
 *
 * <h2>Files of a mapped log directory</h2>
 *
 * <ul>
 *   <li>{@code 00000000000000000001.log}: segments, named by the index of their first entry,
 *       preallocated to the segment size by writing zeros and mapped whole for reading. A 32-byte
 *       header (magic, version, first index, CRC32C), then records back to back: body length,
 *       CRC32C, term, index, type, payload ({@link io.reactiveraft.log.RecordCodec}). Zeros follow
 *       the last record.
 *   <li>{@code meta}: two 4 KiB slots, each a complete copy of term, vote, durable watermark, log
 *       start index and commit index with a sequence number and a CRC32C ({@link
 *       io.reactiveraft.log.MetadataFile}).
 *   <li>{@code LOCK}: held with a file lock while a store has the directory open.
 *   <li>{@code *.tmp}: a segment or metadata file being created, or {@code next-segment.tmp}, the
 *       next segment allocated ahead of time ({@link io.reactiveraft.log.SpareSegment}); deleted
 *       when the store opens.
 * </ul>
 *
 * <h2>Durability</h2>
 *
 * Appends are positional writes into the preallocated segments made by the store's IO thread (not
 * stores into the mapping: see {@link io.reactiveraft.log.MappedStorageFile} for the measured
 * reason); readers see them at once through the mapping. A flush forces the written segments
 * ({@code fdatasync}), then completes; the durable watermark in the metadata file follows at most
 * every 10 ms while flushes keep coming and 1 ms after the writer goes idle, not with a second
 * {@code fdatasync} per flush (see {@code LogWriter#groupCommit} for why that is safe), and carries
 * the commit index the node last saved, capped at the watermark (and held back while a start that
 * empties the log waits for a flush). A new log start is the exception: it is recorded before the
 * flush completes. Creating, renaming and deleting a file syncs the directory. A truncation lowers
 * the watermark, zeros the discarded records and forces the zeros, and deletes later segments,
 * before anything queued after it is written. A discarded prefix moves the log start: the next
 * flush records it in the metadata file in the same write as the watermark, and only then deletes
 * the segments wholly below it and syncs the directory, so no crash can leave a gap between the
 * recorded start and the first segment. A log may therefore begin in the middle of a segment, or in
 * a segment named far beyond the last one when everything was discarded.
 *
 * <h2>Recovery</h2>
 *
 * See {@link io.reactiveraft.log.LogRecovery}: damage above the watermark is a torn tail and is
 * truncated; damage at or below it is corruption and the store refuses to open, naming the file and
 * offset ({@link io.reactiveraft.log.LogCorruptedException}). Recovery begins at the recorded log
 * start: segments wholly below it are deleted unread, and records below it in the segment that
 * holds it are not part of the log.
 */
package io.reactiveraft.log;
