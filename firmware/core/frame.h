// §2.2 framing: CRC-16/CCITT-FALSE and COBS, on plain byte arrays.
#ifndef FRAME_H
#define FRAME_H

#include <stdint.h>

#define CRC_INIT 0xFFFF

// One byte into CRC-16/CCITT-FALSE (poly 0x1021, MSB first, no reflection, no final XOR).
uint16_t crc16_update(uint16_t crc, uint8_t byte);
// CRC-16/CCITT-FALSE of `len` bytes; the CRC over a whole good body (CRC included) is 0.
uint16_t crc16(const uint8_t *data, uint8_t len);
// Undo COBS in place for one frame without its delimiter; the decoded length, or -1 when a code byte
// points past the end (§2.4 step 3).
int16_t cobs_decode(uint8_t *buf, uint8_t len);
// The frame whose COBS form is `enc` (no delimiter) if it decodes to a valid header with a good CRC,
// without changing `enc`: its `type`, or -1. Used to find an ESTOP waiting behind other frames.
int16_t frame_valid_type(const uint8_t *enc, uint8_t len);
// Write COBS(header | payload | crc) and the 0x00 delimiter to `out` (room: len + 8); returns the bytes written.
uint8_t frame_encode(uint8_t *out, uint8_t seq, uint8_t type, const uint8_t *payload, uint8_t len);

#endif
