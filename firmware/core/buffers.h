// The board's receive and transmit buffer sizes, the same on the chip and in the host tests.
#ifndef BUFFERS_H
#define BUFFERS_H

#include "link.h"
#include "proto.h"

// One frame of MAX_ENCODED bytes and its 0x00, plus slack for the bytes that arrive while the loop
// notices an overlong run (8-bit indices: at most 255).
#define RX_BUFFER_SIZE 255
// The largest reply and a burst of events (FRAME_ROOM) with room to spare.
#define TX_BUFFER_SIZE 200

_Static_assert(RX_BUFFER_SIZE >= MAX_ENCODED + 1 && RX_BUFFER_SIZE <= 255,
               "the receive buffer holds a whole frame and its delimiter, with 8-bit indices");
_Static_assert(TX_BUFFER_SIZE >= FRAME_ROOM && TX_BUFFER_SIZE <= 255,
               "the transmit buffer holds FRAME_ROOM bytes, with 8-bit indices");
_Static_assert(sizeof PROFILE_MODEL - 1 <= 24 && sizeof PROFILE_FIRMWARE - 1 <= 16 && sizeof PROFILE_SERIAL - 1 <= 24,
               "HELLO_REPLY strings: model and serial at most 24 bytes, firmware at most 16 (§3.2)");

#endif
