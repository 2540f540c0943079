#ifndef RACEDATA_SHA256X4_H
#define RACEDATA_SHA256X4_H

#include <stddef.h>
#include <stdint.h>

/// Nonzero when this CPU has the SHA extensions this code needs (x86-64: SHA, SSSE3, SSE4.1).
int racedata_sha256x4_available(void);

/// Four SHA-256 computations over four messages of equal length, advanced in lockstep so that the
/// CPU overlaps their rounds. Call the functions below only when racedata_sha256x4_available().
typedef struct {
    uint32_t state[4][8];
    uint64_t length;
} racedata_sha256x4;

void racedata_sha256x4_init(racedata_sha256x4 *context);

/// Adds the next `count` bytes of each message; `count` must be a multiple of 64. A lane's pointer
/// may be NULL when `count` is 0 (here and in final).
void racedata_sha256x4_update(racedata_sha256x4 *context, const void *const *data, size_t count);

/// Adds each message's last `count` bytes (any number) and writes the four digests, 32 bytes each,
/// one after the other into `digests` (128 bytes).
void racedata_sha256x4_final(racedata_sha256x4 *context, const void *const *data, size_t count, uint8_t *digests);

#endif
