// §2.2 framing: CRC-16/CCITT-FALSE and COBS. Pure functions on byte arrays; the receive and transmit
// buffers belong to the board (board.h) and the rules of §2.4 to link.c.
#include "frame.h"

#include "proto.h"

#ifdef __AVR__
#include <util/crc16.h>
#endif

// One byte into the CRC: avr-libc's hand-written XMODEM update on the chip (the same polynomial, MSB
// first; CCITT-FALSE differs only in starting at 0xFFFF), bit by bit elsewhere.
uint16_t crc16_update(uint16_t crc, uint8_t byte)
{
#ifdef __AVR__
    return _crc_xmodem_update(crc, byte);
#else
    crc ^= (uint16_t)byte << 8;
    for (uint8_t bit = 0; bit < 8; bit++)
        crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    return crc;
#endif
}

// CRC of a whole buffer.
uint16_t crc16(const uint8_t *data, uint8_t len)
{
    uint16_t crc = CRC_INIT;
    while (len--)
        crc = crc16_update(crc, *data++);
    return crc;
}

// COBS decode in place: the output never overtakes the input, so one buffer serves both.
int16_t cobs_decode(uint8_t *buf, uint8_t len)
{
    uint8_t in = 0, out = 0;
    while (in < len) {
        uint8_t code = buf[in];
        if (code == 0 || (uint16_t)in + code > len)
            return -1;
        in++;
        for (uint8_t i = 1; i < code; i++)
            buf[out++] = buf[in++];
        if (code < 0xFF && in < len)
            buf[out++] = 0;
    }
    return out;
}

// Streaming decode and check of one COBS frame, remembering only the header bytes it needs.
int16_t frame_valid_type(const uint8_t *enc, uint8_t len)
{
    uint8_t head[HEADER_LEN] = {0};
    uint16_t crc = CRC_INIT, n = 0;
    uint8_t in = 0;
    while (in < len) {
        uint8_t code = enc[in++];
        if (code == 0 || (uint16_t)in - 1 + code > len)
            return -1;
        for (uint8_t i = 1; i <= code; i++) {
            uint8_t byte;
            if (i < code)
                byte = enc[in++];
            else if (code < 0xFF && in < len)
                byte = 0;
            else
                break;
            if (n < HEADER_LEN)
                head[n] = byte;
            crc = crc16_update(crc, byte);
            n++;
        }
    }
    if (n < MIN_BODY || crc != 0 || head[0] != PROTO_MAJOR)
        return -1;
    if (head[3] > MAX_PAYLOAD || head[3] != n - MIN_BODY)
        return -1;
    return head[2];
}

// COBS encoder state: where the current block's code byte goes, and how long the block is.
struct cobs_out {
    uint8_t *out;
    uint8_t pos, code_at, code;
};

// Append one body byte to the COBS output, closing a block at a zero or after 254 data bytes.
static void cobs_put(struct cobs_out *c, uint8_t byte)
{
    if (byte == 0) {
        c->out[c->code_at] = c->code;
        c->code_at = c->pos++;
        c->code = 1;
        return;
    }
    c->out[c->pos++] = byte;
    if (++c->code == 0xFF) {
        c->out[c->code_at] = c->code;
        c->code_at = c->pos++;
        c->code = 1;
    }
}

// Header, payload and big-endian CRC, COBS-encoded as they are produced, then the delimiter.
uint8_t frame_encode(uint8_t *out, uint8_t seq, uint8_t type, const uint8_t *payload, uint8_t len)
{
    struct cobs_out c = {out, 1, 0, 1};
    const uint8_t head[HEADER_LEN] = {PROTO_MAJOR, seq, type, len};
    uint16_t crc = CRC_INIT;
    for (uint8_t i = 0; i < HEADER_LEN; i++) {
        crc = crc16_update(crc, head[i]);
        cobs_put(&c, head[i]);
    }
    for (uint8_t i = 0; i < len; i++) {
        crc = crc16_update(crc, payload[i]);
        cobs_put(&c, payload[i]);
    }
    cobs_put(&c, (uint8_t)(crc >> 8));
    cobs_put(&c, (uint8_t)crc);
    out[c.code_at] = c.code;
    out[c.pos++] = 0;
    return c.pos;
}
