#ifndef RACEDATA_CSV_INDEX_H
#define RACEDATA_CSV_INDEX_H

#include <stddef.h>
#include <stdint.h>

/// Entries `positions` needs beyond the input's byte count.
#define RACEDATA_CSV_INDEX_SLACK 64

/// What the index found besides the positions.
typedef struct {
    /// Line feeds outside quotes (record ends), and all of them (lines, for error messages).
    size_t line_feeds;
    size_t all_line_feeds;
    /// Nonzero when the bytes hold a quote, a carriage return that is not part of CRLF (outside
    /// quotes), or end inside quotes: cases the loader's fast path leaves to its careful scanner.
    int quotes;
    int lone_carriage_return;
    int ends_inside_quotes;
    /// Nonzero when a byte is not ASCII (the block then needs UTF-8 validation).
    int non_ascii;
} racedata_csv_summary;

/// The structural bytes of CSV: the offsets of every delimiter and line feed outside quotes, in
/// order, written to `positions`, which needs room for `count + RACEDATA_CSV_INDEX_SLACK` entries
/// (offsets are written in groups, past the last one found). 64 bytes are
/// classified at a time; quotes are tracked with a prefix xor, so a quoted field may straddle any
/// boundary. Returns how many offsets were written.
size_t racedata_csv_index(const uint8_t *bytes, size_t count, uint8_t delimiter, uint32_t *positions,
                          racedata_csv_summary *summary);

/// The same without AVX2 (SSE2 on x86-64, plain C elsewhere): what `racedata_csv_index` runs on a
/// CPU without AVX2, and what tests hold the AVX2 path to.
size_t racedata_csv_index_portable(const uint8_t *bytes, size_t count, uint8_t delimiter, uint32_t *positions,
                                   racedata_csv_summary *summary);

#endif
