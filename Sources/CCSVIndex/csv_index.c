#include "csv_index.h"
#include <string.h>

// simdjson/simdcsv-style structural indexing: per 64-byte chunk, one bit per byte for each byte
// class; the bits inside quotes are the prefix xor of the quote bits, so delimiters and line feeds
// there are not structural. The set bits are then turned into offsets.

typedef struct { uint64_t delimiter, quote, line_feed, carriage_return, high; } masks;

#if defined(__SSE2__)
#include <emmintrin.h>

static inline uint64_t bits(__m128i a, __m128i b, __m128i c, __m128i d) {
    return (uint64_t)(uint16_t)_mm_movemask_epi8(a) | (uint64_t)(uint16_t)_mm_movemask_epi8(b) << 16
        | (uint64_t)(uint16_t)_mm_movemask_epi8(c) << 32 | (uint64_t)(uint16_t)_mm_movemask_epi8(d) << 48;
}

static inline uint64_t equal(const __m128i v[4], char byte) {
    __m128i c = _mm_set1_epi8(byte);
    return bits(_mm_cmpeq_epi8(v[0], c), _mm_cmpeq_epi8(v[1], c), _mm_cmpeq_epi8(v[2], c), _mm_cmpeq_epi8(v[3], c));
}

static inline masks classify(const uint8_t *p, uint8_t delimiter) {
    __m128i v[4];
    for (int i = 0; i < 4; i++) v[i] = _mm_loadu_si128((const __m128i *)(p + 16 * i));
    masks m;
    m.delimiter = equal(v, (char)delimiter);
    m.quote = equal(v, '"');
    m.line_feed = equal(v, '\n');
    m.carriage_return = equal(v, '\r');
    m.high = bits(v[0], v[1], v[2], v[3]);
    return m;
}
#else
static inline masks classify(const uint8_t *p, uint8_t delimiter) {
    masks m = {0, 0, 0, 0, 0};
    for (int i = 0; i < 64; i++) {
        uint64_t bit = (uint64_t)1 << i;
        if (p[i] & 0x80) m.high |= bit;
        if (p[i] == delimiter) m.delimiter |= bit;
        else if (p[i] == '"') m.quote |= bit;
        else if (p[i] == '\n') m.line_feed |= bit;
        else if (p[i] == '\r') m.carriage_return |= bit;
    }
    return m;
}
#endif

// Bit i of the result: the xor of bits 0...i (set between an opening quote and its closing one).
static inline uint64_t prefix_xor(uint64_t x) {
    x ^= x << 1; x ^= x << 2; x ^= x << 4; x ^= x << 8; x ^= x << 16; x ^= x << 32;
    return x;
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

// AVX2 in the CPU, and its 256-bit registers saved by the OS (XCR0 bits 1 and 2).
static int has_avx2(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return 0;   // OSXSAVE
    unsigned lo, hi;
    __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    return (b >> 5) & 1;
}

// The same 64-byte classification with 32-byte registers; chosen at run time.
__attribute__((target("avx2")))
static inline uint64_t equal_avx2(__m256i lo, __m256i hi, char byte) {
    __m256i c = _mm256_set1_epi8(byte);
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, c))
        | (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, c)) << 32;
}

__attribute__((target("avx2")))
static inline masks classify_avx2(const uint8_t *p, uint8_t delimiter) {
    __m256i lo = _mm256_loadu_si256((const __m256i *)p), hi = _mm256_loadu_si256((const __m256i *)(p + 32));
    masks m;
    m.delimiter = equal_avx2(lo, hi, (char)delimiter);
    m.quote = equal_avx2(lo, hi, '"');
    m.line_feed = equal_avx2(lo, hi, '\n');
    m.carriage_return = equal_avx2(lo, hi, '\r');
    m.high = (uint64_t)(uint32_t)_mm256_movemask_epi8(lo) | (uint64_t)(uint32_t)_mm256_movemask_epi8(hi) << 32;
    return m;
}
#endif

// The offsets of the set bits, written 8 at a time whether or not that many are set (simdjson's
// flattening): a chunk's count of fields varies, and a loop per bit mispredicts on each chunk.
// Writes up to RACEDATA_CSV_INDEX_SLACK entries past the ones counted; returns the count.
static inline __attribute__((always_inline)) size_t flatten(uint32_t *out, uint32_t offset, uint64_t bits) {
    size_t count = (size_t)__builtin_popcountll(bits);
    // The top bit keeps ctz defined once the bits run out; what it writes is past the count.
    const uint64_t stop = (uint64_t)1 << 63;
    for (int i = 0; i < 8; i++) { out[i] = offset + (uint32_t)__builtin_ctzll(bits | stop); bits &= bits - 1; }
    if (count > 8) {
        for (int i = 8; i < 16; i++) { out[i] = offset + (uint32_t)__builtin_ctzll(bits | stop); bits &= bits - 1; }
        for (int i = 16; bits; i++) { out[i] = offset + (uint32_t)__builtin_ctzll(bits); bits &= bits - 1; }
    }
    return count;
}

// The index over any classifier: inlined into each caller below, where the classifier is a
// constant and inlined too, so the AVX2 caller is AVX2 code throughout.
typedef masks (*classifier)(const uint8_t *, uint8_t);

static inline __attribute__((always_inline))
size_t index_with(classifier classify_chunk, const uint8_t *bytes, size_t count, uint8_t delimiter, uint32_t *positions,
                  racedata_csv_summary *summary) {
    size_t written = 0, line_feeds = 0, all_line_feeds = 0;
    uint64_t inside_before = 0;   // all ones when the previous chunk ended inside quotes
    int quotes = 0, lone_cr = 0;
    uint64_t high = 0;
    uint8_t tail[64];
    for (size_t offset = 0; offset < count; offset += 64) {
        const uint8_t *chunk = bytes + offset;
        size_t length = count - offset < 64 ? count - offset : 64;
        if (length < 64) {
            memset(tail, 0, sizeof tail);   // zero is no CSV byte class
            memcpy(tail, chunk, length);
            chunk = tail;
        }
        masks m = classify_chunk(chunk, delimiter);
        high |= m.high;
        uint64_t inside = 0;
        if (m.quote) {
            quotes = 1;
            inside = prefix_xor(m.quote) ^ inside_before;
        } else {
            inside = inside_before;
        }
        inside_before = (uint64_t)((int64_t)inside >> 63);
        uint64_t line_feed = m.line_feed & ~inside;
        uint64_t structural = (m.delimiter | m.line_feed) & ~inside;
        uint64_t carriage_return = m.carriage_return & ~inside;
        while (carriage_return) {
            size_t at = offset + (size_t)__builtin_ctzll(carriage_return);
            if (at + 1 >= count || bytes[at + 1] != '\n') lone_cr = 1;
            carriage_return &= carriage_return - 1;
        }
        line_feeds += (size_t)__builtin_popcountll(line_feed);
        all_line_feeds += (size_t)__builtin_popcountll(m.line_feed);
        if (structural) written += flatten(positions + written, (uint32_t)offset, structural);
    }
    summary->line_feeds = line_feeds;
    summary->all_line_feeds = all_line_feeds;
    summary->quotes = quotes;
    summary->non_ascii = high != 0;
    summary->lone_carriage_return = lone_cr;
    summary->ends_inside_quotes = inside_before != 0;
    return written;
}

size_t racedata_csv_index_portable(const uint8_t *bytes, size_t count, uint8_t delimiter, uint32_t *positions,
                                   racedata_csv_summary *summary) {
    return index_with(classify, bytes, count, delimiter, positions, summary);
}

#if defined(__x86_64__)
__attribute__((target("avx2")))
static size_t index_avx2(const uint8_t *bytes, size_t count, uint8_t delimiter, uint32_t *positions,
                         racedata_csv_summary *summary) {
    return index_with(classify_avx2, bytes, count, delimiter, positions, summary);
}
#endif

size_t racedata_csv_index(const uint8_t *bytes, size_t count, uint8_t delimiter, uint32_t *positions,
                          racedata_csv_summary *summary) {
#if defined(__x86_64__)
    static int avx2 = -1;   // every thread computes the same answer, so a racing first call is harmless
    int known = __atomic_load_n(&avx2, __ATOMIC_RELAXED);
    if (known < 0) { known = has_avx2(); __atomic_store_n(&avx2, known, __ATOMIC_RELAXED); }
    if (known) return index_avx2(bytes, count, delimiter, positions, summary);
#endif
    return racedata_csv_index_portable(bytes, count, delimiter, positions, summary);
}
