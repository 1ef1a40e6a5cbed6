// The device's state (§3.7, §8 "State to keep") and the operations link.c and commands.c apply to it.
#ifndef DEVICE_H
#define DEVICE_H

#include <stdint.h>

#include "profile.h"

#define BUTTON_RELEASE_MS 50 // the stop button counts as released after this long up

struct zone {
    uint8_t motion, intensity, speed, heat;
    uint8_t leased;    // a lease runs (§6.2)
    uint8_t ramp_from; // intensity at the start of a soft stop (§6.7), 0 when not ramping
    uint32_t lease_end;
};

struct device {
    uint8_t state, flags; // flags: the latched fault flags only
    uint8_t wd_armed, session_on, session_capped, ramping;
    uint8_t button_down, outputs_changed;
    uint16_t ramp_ms, ramp_next; // ramp length, and the elapsed ms of its next update
    uint16_t boot_count;
    uint8_t reset_cause;
    uint32_t wd_end, session_start, ramp_start, boot_ms, button_up_ms;
    struct zone zone[PROFILE_ZONE_COUNT];
};

extern struct device dev;

// Power-up (§6.6).
void device_init(uint16_t boot_count, uint8_t reset_cause, uint32_t now_ms);
// Every valid frame restarts an armed watchdog (§6.1).
void device_valid_frame(uint32_t now_ms);
// §6.3: everything off, ESTOP latched.
void device_estop(void);
// §3.1 HELLO, answered with HELLO_REPLY (or NAK MALFORMED for a wrong-size payload).
void device_hello(const uint8_t *payload, uint8_t len, uint32_t now_ms);
// §2.4 steps 10-11 and each message's own checks and action (commands.c).
void device_command(uint8_t type, const uint8_t *payload, uint8_t len, uint32_t now_ms);
// The stop button: a press latches ESTOP and sends EVENT BUTTON 1 (§6.3).
void device_button(uint32_t now_ms);
// Fire every timer due by `now_ms`, each at its own deadline, earliest first.
void device_timers(uint32_t now_ms);
// Hand the present zone values and heater demand to the board.
void device_outputs(uint32_t now_ms);

// Set one zone's values (the only writer of them).
void zone_write(uint8_t index, uint8_t motion, uint8_t intensity, uint8_t speed, uint8_t heat);
// Nonzero when the zone moves or heats (§3.3 "on").
uint8_t zone_is_on(uint8_t index);
// Everything off: motion, intensity, speed and heat 0, leases and the ramp ended.
void all_off(void);
// READY <-> ACTIVE follows whether any zone is on (§3.7).
void refresh_active(void);
// Nonzero in READY, ACTIVE and STOPPING, where the watchdog and session cap run.
uint8_t device_running(void);

#endif
