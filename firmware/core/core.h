// The core's entry points: the board calls core_init once at start-up, then core_poll from its main loop.
#ifndef CORE_H
#define CORE_H

#include <stdint.h>

// Power-up (§6.6): everything off, WAITING, EVENT RESET; `boot_count` is already incremented and stored.
void core_init(uint16_t boot_count, uint8_t reset_cause, uint32_t now_ms);
// Fire every timer due by `now_ms`, handle every complete received frame, and drive the outputs.
void core_poll(uint32_t now_ms);

#endif
