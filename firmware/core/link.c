// The device's side of §2.4 and §4: each complete frame in the receive buffer is judged valid or invalid
// in the document's order, valid ones go to the device (device.h), and every answer leaves through here.
#include "link.h"

#include <string.h>

#include "board.h"
#include "device.h"
#include "frame.h"

uint8_t reply_payload[REPLY_MAX_LEN];

static struct {
    uint8_t discarding; // §2.4 step 1: an overlong run is being thrown away up to its 0x00
    uint8_t scanned;    // receive bytes already searched for an ESTOP waiting behind other frames
    uint16_t invalid_frames, dropped;
    uint8_t event_seq;
    uint8_t seq, type; // the frame in hand
    uint8_t dup_valid, dup_seq, dup_type, dup_reply_type, dup_len;
    uint8_t dup_payload[REPLY_MAX_LEN];
} L;

// Power-up: everything at zero, nothing remembered.
void link_init(void)
{
    memset(&L, 0, sizeof L);
}

// Encode one frame into the transmit buffer; counted and dropped when it has no room.
static void send_frame(uint8_t seq, uint8_t type, const uint8_t *payload, uint8_t len)
{
    uint8_t *out = console_get_output(WIRE_LEN(len));
    if (!out) {
        if (L.dropped < 0xFFFF)
            L.dropped++;
        return;
    }
    console_push_output(frame_encode(out, seq, type, payload, len));
}

// §2.4 steps 1-6: an invalid frame is counted (saturating) and changes nothing else.
static void count_invalid(void)
{
    if (L.invalid_frames < 0xFFFF)
        L.invalid_frames++;
}

// A NAK to an invalid frame: never remembered (§4).
static void nak_invalid(uint8_t seq, uint8_t code, uint8_t detail)
{
    const uint8_t payload[2] = {code, detail};
    count_invalid();
    send_frame(seq, MSG_NAK, payload, 2);
}

// The answer to the frame in hand; every reply but HELLO's replaces the duplicate memory (§4).
void link_reply(uint8_t reply_type, uint8_t len)
{
    send_frame(L.seq, reply_type, reply_payload, len);
    if (L.type == MSG_HELLO)
        return;
    L.dup_valid = 1;
    L.dup_seq = L.seq;
    L.dup_type = L.type;
    L.dup_reply_type = reply_type;
    L.dup_len = len;
    memcpy(L.dup_payload, reply_payload, len);
}

// ACK carries the acknowledged type.
void link_ack(void)
{
    reply_payload[0] = L.type;
    link_reply(MSG_ACK, 1);
}

// NAK code and detail (§3.6).
void link_nak(uint8_t code, uint8_t detail)
{
    reply_payload[0] = code;
    reply_payload[1] = detail;
    link_reply(MSG_NAK, 2);
}

// Events number themselves; the counter moves on even when the frame is dropped, so the host sees the gap.
void link_event(uint8_t code, uint8_t arg)
{
    const uint8_t payload[2] = {code, arg};
    send_frame(L.event_seq++, MSG_EVENT, payload, 2);
}

// HELLO empties the duplicate memory.
void link_forget(void)
{
    L.dup_valid = 0;
}

// STATUS `invalid_frames`.
uint16_t link_invalid_frames(void)
{
    return L.invalid_frames;
}

// Frames lost for want of transmit room.
uint16_t link_dropped_frames(void)
{
    return L.dropped;
}

// §2.4 steps 7-11 for a valid frame: ESTOP, HELLO and KEEPALIVE first, then the duplicate memory.
static void handle_valid(const uint8_t *payload, uint8_t len, uint32_t now_ms)
{
    device_valid_frame(now_ms);
    if (L.type == MSG_ESTOP) {
        device_estop();
        link_ack();
        return;
    }
    if (L.type == MSG_HELLO) {
        device_hello(payload, len, now_ms);
        return;
    }
    if (L.type == MSG_KEEPALIVE) // 1.1: never answered, never looked up, never remembered
        return;
    if (L.dup_valid && L.dup_seq == L.seq && L.dup_type == L.type) {
        send_frame(L.seq, L.dup_reply_type, L.dup_payload, L.dup_len);
        return;
    }
    device_command(L.type, payload, len, now_ms);
}

// §2.4 steps 3-6 on one delimited, non-empty frame (decoded in place).
static void handle_encoded(uint8_t *buf, uint8_t n, uint32_t now_ms)
{
    int16_t body_len = cobs_decode(buf, n);
    if (body_len < MIN_BODY) {
        count_invalid();
        return;
    }
    if (crc16(buf, (uint8_t)body_len) != 0) {
        nak_invalid(buf[1], NAK_BAD_CRC, 0);
        return;
    }
    uint8_t payload_len = (uint8_t)(body_len - MIN_BODY);
    if (buf[0] != PROTO_MAJOR) {
        nak_invalid(buf[1], NAK_BAD_VERSION, PROTO_MAJOR);
        return;
    }
    if (buf[3] > MAX_PAYLOAD || buf[3] != payload_len) {
        nak_invalid(buf[1], NAK_MALFORMED, 0);
        return;
    }
    L.seq = buf[1];
    L.type = buf[2];
    handle_valid(buf + HEADER_LEN, payload_len, now_ms);
}

// §6.3: while frames wait for transmit room, an ESTOP among them is acted on at once; its ACK follows
// in turn (applying it again then is harmless).
static void estop_ahead(const uint8_t *buf, uint8_t len)
{
    uint8_t start = L.scanned;
    for (uint8_t i = start; i < len; i++) {
        if (buf[i] != 0)
            continue;
        if (i > start && frame_valid_type(buf + start, (uint8_t)(i - start)) == MSG_ESTOP)
            device_estop();
        start = (uint8_t)(i + 1);
    }
    L.scanned = start;
}

// Drop `n` handled bytes from the receive buffer, keeping the ESTOP scan position in step.
static void consume(uint8_t n)
{
    console_pop_input(n);
    L.scanned = L.scanned > n ? (uint8_t)(L.scanned - n) : 0;
}

// Every complete frame in turn; an overlong run is discarded as it arrives (§2.4 step 1).
void link_poll(uint32_t now_ms)
{
    for (;;) {
        uint8_t len;
        uint8_t *buf = console_get_input(&len);
        uint8_t *end = memchr(buf, 0, len);
        if (!end) {
            if (L.discarding || len > MAX_ENCODED) {
                L.discarding = 1;
                consume(len);
            }
            return;
        }
        uint8_t n = (uint8_t)(end - buf);
        if (L.discarding || n > MAX_ENCODED) { // its 0x00 came before the loop saw the run grow too long
            L.discarding = 0;
            count_invalid(); // the whole run is one invalid frame, counted at its 0x00
        } else if (n > 0) {
            if (!console_get_output(FRAME_ROOM)) {
                estop_ahead(buf, len);
                return;
            }
            handle_encoded(buf, n, now_ms);
        }
        consume((uint8_t)(n + 1));
    }
}
