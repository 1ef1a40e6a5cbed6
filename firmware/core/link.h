// The device's side of §2.4 and §4: which received frames are valid, the duplicate memory, replies, events.
#ifndef LINK_H
#define LINK_H

#include <stdint.h>

#include "profile.h"
#include "proto.h"

// The largest reply payload this device builds: STATUS with every zone, or HELLO_REPLY.
#define STATUS_FIXED_LEN 15
#define STATUS_ENTRY_LEN 5
#define STATUS_MAX_LEN (STATUS_FIXED_LEN + STATUS_ENTRY_LEN * PROFILE_ZONE_COUNT)
#define HELLO_REPLY_MAX_LEN (20 + 3 + sizeof PROFILE_MODEL - 1 + sizeof PROFILE_FIRMWARE - 1 + \
                             sizeof PROFILE_SERIAL - 1)
#define REPLY_MAX_LEN (STATUS_MAX_LEN > HELLO_REPLY_MAX_LEN ? STATUS_MAX_LEN : HELLO_REPLY_MAX_LEN)
// Encoded size of a frame with `n` payload bytes, delimiter included.
#define WIRE_LEN(n) ((n) + HEADER_LEN + CRC_LEN + 2)
// A frame is handled only while the transmit buffer has room for its reply, an event it may cause, and
// a few events from timers: a host that floods the device is slowed down, never answered out of order.
#define EVENT_WIRE_LEN WIRE_LEN(2)
#define FRAME_ROOM (WIRE_LEN(REPLY_MAX_LEN) + 4 * EVENT_WIRE_LEN)

// The reply being built for the frame in hand.
extern uint8_t reply_payload[REPLY_MAX_LEN];

// Start over after power-up: counters at 0, duplicate memory and receive state empty.
void link_init(void);
// Handle every complete received frame (§2.4); stops early while the transmit buffer is too full.
void link_poll(uint32_t now_ms);
// Answer the frame in hand with `len` bytes of reply_payload; remembered for duplicates unless it is HELLO's.
void link_reply(uint8_t reply_type, uint8_t len);
// ACK the frame in hand.
void link_ack(void);
// NAK the frame in hand.
void link_nak(uint8_t code, uint8_t detail);
// Send an EVENT with the device's own counter in seq (§3.6).
void link_event(uint8_t code, uint8_t arg);
// Empty the duplicate memory (HELLO, §4).
void link_forget(void);
// Invalid frames since power-up, saturated (STATUS).
uint16_t link_invalid_frames(void);
// Frames the transmit buffer had no room for (debugging; the host sees lost events in STATUS).
uint16_t link_dropped_frames(void);

#endif
