#include "sha256x4.h"
#include <string.h>

// SHA-256 with the x86 SHA extensions runs one message at the latency of its dependent round
// instructions (~2 GB/s on one core, libcrypto included). Four independent messages
// interleaved keep the SHA unit busy: ~3.8 GB/s here. Signed aws-chunked uploads hash many
// independent chunks, so they can use it; everything else hashes one stream through libcrypto.

static const uint32_t initial[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

void racedata_sha256x4_init(racedata_sha256x4 *context) {
    for (int lane = 0; lane < 4; lane++) memcpy(context->state[lane], initial, sizeof initial);
    context->length = 0;
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int racedata_sha256x4_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int sha = (b >> 29) & 1;
    return ssse3 && sse41 && sha;
}

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

// The instructions keep the state as ABEF and CDGH rather than A..H.
SHA_TARGET static inline void load_state(const uint32_t h[8], __m128i *abef, __m128i *cdgh) {
    __m128i cdab = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0xB1);
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(h + 4)), 0x1B);
    *abef = _mm_alignr_epi8(cdab, efgh, 8);
    *cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
}

SHA_TARGET static inline void store_state(uint32_t h[8], __m128i abef, __m128i cdgh) {
    __m128i feba = _mm_shuffle_epi32(abef, 0x1B), dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)h, _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(dchg, feba, 8));
}

// Four rounds of one lane with message words w (already byte-swapped) and round constants 4g..4g+3.
#define ROUNDS4(abef, cdgh, w, g)                                                   \
    do {                                                                            \
        __m128i wk = _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)(K + 4 * (g)))); \
        cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);                               \
        abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));       \
    } while (0)

// W[t..t+3] from W[t-16..t-1], held as four words per register, oldest first.
#define SCHEDULE(w0, w1, w2, w3) \
    _mm_sha256msg2_epu32(_mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4)), w3)

SHA_TARGET static void compress4(uint32_t state[4][8], const unsigned char *const data[4], size_t blocks) {
    const __m128i byteswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i abef[4], cdgh[4];
    for (int lane = 0; lane < 4; lane++) load_state(state[lane], &abef[lane], &cdgh[lane]);
    for (size_t block = 0; block < blocks; block++) {
        __m128i saved_abef[4], saved_cdgh[4], w[4][4];
        for (int lane = 0; lane < 4; lane++) { saved_abef[lane] = abef[lane]; saved_cdgh[lane] = cdgh[lane]; }
        for (int g = 0; g < 16; g++) {
            for (int lane = 0; lane < 4; lane++) {
                if (g < 4) {
                    const __m128i *p = (const __m128i *)(data[lane] + 64 * block + 16 * g);
                    w[lane][g] = _mm_shuffle_epi8(_mm_loadu_si128(p), byteswap);
                } else {
                    w[lane][g & 3] = SCHEDULE(w[lane][g & 3], w[lane][(g + 1) & 3], w[lane][(g + 2) & 3], w[lane][(g + 3) & 3]);
                }
                ROUNDS4(abef[lane], cdgh[lane], w[lane][g & 3], g);
            }
        }
        for (int lane = 0; lane < 4; lane++) {
            abef[lane] = _mm_add_epi32(abef[lane], saved_abef[lane]);
            cdgh[lane] = _mm_add_epi32(cdgh[lane], saved_cdgh[lane]);
        }
    }
    for (int lane = 0; lane < 4; lane++) store_state(state[lane], abef[lane], cdgh[lane]);
}

#else

int racedata_sha256x4_available(void) { return 0; }

static void compress4(uint32_t state[4][8], const unsigned char *const data[4], size_t blocks) {
    (void)state;
    (void)data;
    (void)blocks;
}

#endif

void racedata_sha256x4_update(racedata_sha256x4 *context, const void *const *data, size_t count) {
    const unsigned char *lanes[4] = {data[0], data[1], data[2], data[3]};
    compress4(context->state, lanes, count / 64);
    context->length += count;
}

void racedata_sha256x4_final(racedata_sha256x4 *context, const void *const *data, size_t count, uint8_t *digests) {
    size_t whole = count & ~(size_t)63;
    racedata_sha256x4_update(context, data, whole);
    size_t rest = count - whole;
    uint64_t bits = (context->length + rest) * 8;
    // 0x80, zeros, the 64-bit big-endian bit length: one block, or two when the rest leaves no room.
    size_t padded = rest < 56 ? 64 : 128;
    unsigned char tails[4][128];
    const unsigned char *lanes[4];
    for (int lane = 0; lane < 4; lane++) {
        memset(tails[lane], 0, padded);
        if (rest > 0) memcpy(tails[lane], (const unsigned char *)data[lane] + whole, rest);
        tails[lane][rest] = 0x80;
        for (int i = 0; i < 8; i++) tails[lane][padded - 1 - i] = (unsigned char)(bits >> (8 * i));
        lanes[lane] = tails[lane];
    }
    compress4(context->state, lanes, padded / 64);
    for (int lane = 0; lane < 4; lane++)
        for (int i = 0; i < 8; i++) {
            uint32_t word = context->state[lane][i];
            digests[32 * lane + 4 * i] = (uint8_t)(word >> 24);
            digests[32 * lane + 4 * i + 1] = (uint8_t)(word >> 16);
            digests[32 * lane + 4 * i + 2] = (uint8_t)(word >> 8);
            digests[32 * lane + 4 * i + 3] = (uint8_t)word;
        }
}
