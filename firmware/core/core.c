// The core's two entry points: power-up, and one pass of the main loop.
#include "core.h"

#include "device.h"
#include "link.h"

// §6.6 power-up.
void core_init(uint16_t boot_count, uint8_t reset_cause, uint32_t now_ms)
{
    device_init(boot_count, reset_cause, now_ms);
}

// The timers due first (§5.1: before a frame or a button press at the same instant), then the stop
// button, then the frames received, then the outputs.
void core_poll(uint32_t now_ms)
{
    device_timers(now_ms);
    device_button(now_ms);
    link_poll(now_ms);
    device_outputs(now_ms);
}
