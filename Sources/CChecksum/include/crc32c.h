#ifndef RACEDATA_CRC32C_H
#define RACEDATA_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Nonzero when this CPU has a CRC-32C instruction (SSE 4.2 on x86-64, the CRC extension on ARMv8).
int racedata_crc32c_hardware(void);

/// Advances a CRC-32C register (pre-inverted, as CRC32.swift keeps it) over `count` bytes with that
/// instruction. Call only when racedata_crc32c_hardware() said yes.
uint32_t racedata_crc32c_update(uint32_t state, const void *bytes, size_t count);

#endif
