// The device's state machine (§3.7) and its timers (§5, §6): watchdog, leases, session cap, soft-stop
// ramp and heater readings, each firing at its own deadline. Commands live in commands.c.
#include "device.h"

#include <string.h>

#include "board.h"
#include "drive.h"
#include "heater.h"
#include "link.h"
#include "proto.h"

struct device dev;

// Timers, most severe first: next_timer considers them in this order and keeps the first on a tie, so
// timers due at the same instant fire in this order (protocol 1.1).
enum { T_HEATER, T_WATCHDOG, T_SESSION, T_LEASE, T_RAMP };

// Wrap-safe "`t` has come by `now`".
static uint8_t due(uint32_t now_ms, uint32_t t)
{
    return (int32_t)(now_ms - t) >= 0;
}

// Wrap-safe "a comes before b".
static uint8_t before(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

// §6.6: everything off before anything else, then EVENT RESET.
void device_init(uint16_t boot_count, uint8_t reset_cause, uint32_t now_ms)
{
    memset(&dev, 0, sizeof dev);
    dev.state = ST_WAITING;
    dev.boot_count = boot_count;
    dev.reset_cause = reset_cause;
    dev.boot_ms = now_ms;
    dev.outputs_changed = 1;
    heater_init(now_ms);
    drive_init(now_ms);
    link_init();
    device_outputs(now_ms);
    link_event(EV_RESET, reset_cause);
}

// Zone values change only here, so the outputs know to follow at once.
void zone_write(uint8_t index, uint8_t motion, uint8_t intensity, uint8_t speed, uint8_t heat)
{
    struct zone *z = &dev.zone[index];
    z->motion = motion;
    z->intensity = intensity;
    z->speed = speed;
    z->heat = heat;
    dev.outputs_changed = 1;
}

// On = moving or heated.
uint8_t zone_is_on(uint8_t index)
{
    return dev.zone[index].intensity > 0 || dev.zone[index].heat > 0;
}

// Every zone off with its lease and ramp; the soft stop, if any, ends without EVENT STOPPED.
void all_off(void)
{
    for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++) {
        zone_write(i, 0, 0, 0, 0);
        dev.zone[i].leased = 0;
        dev.zone[i].ramp_from = 0;
    }
    dev.ramping = 0;
}

// A stop the device makes itself: all off, the watchdog disarmed, `state` latched with `flag`.
static void stop_all(uint8_t state, uint8_t flag)
{
    all_off();
    dev.wd_armed = 0;
    dev.state = state;
    dev.flags |= flag;
}

// READY and ACTIVE follow the zones.
void refresh_active(void)
{
    if (dev.state != ST_READY && dev.state != ST_ACTIVE)
        return;
    dev.state = ST_READY;
    for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++)
        if (zone_is_on(i))
            dev.state = ST_ACTIVE;
}

// The states the watchdog and the session cap watch over.
uint8_t device_running(void)
{
    return dev.state == ST_READY || dev.state == ST_ACTIVE || dev.state == ST_STOPPING;
}

// §6.1: valid frames feed an armed watchdog.
void device_valid_frame(uint32_t now_ms)
{
    if (dev.wd_armed)
        dev.wd_end = now_ms + PROFILE_WATCHDOG_MS;
}

// §6.3, in every state.
void device_estop(void)
{
    stop_all(ST_ESTOP, FL_ESTOP);
}

// The button acts on the press, once; holding it down does not repeat the event.
void device_button(uint32_t now_ms)
{
    if (board_stop_button()) {
        if (!dev.button_down) {
            dev.button_down = 1;
            device_estop();
            link_event(EV_BUTTON, 1);
        }
        dev.button_up_ms = now_ms;
    } else if (dev.button_down && due(now_ms, dev.button_up_ms + BUTTON_RELEASE_MS)) {
        dev.button_down = 0;
    }
}

// The earliest lease deadline, if any zone has one.
static uint8_t next_lease(uint32_t *at)
{
    uint8_t found = 0;
    for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++) {
        const struct zone *z = &dev.zone[i];
        if (z->leased && (!found || before(z->lease_end, *at))) {
            *at = z->lease_end;
            found = 1;
        }
    }
    return found;
}

// Keep `which` if its deadline `t` is strictly earlier than the best so far (ties: the earlier in the enum).
static void consider(uint8_t *best, uint32_t *best_t, uint8_t which, uint32_t t)
{
    if (before(t, *best_t)) {
        *best = which;
        *best_t = t;
    }
}

// The next timer to fire and its deadline; the heater reading always runs, so there is always one.
static uint8_t next_timer(uint32_t *at)
{
    uint8_t which = T_HEATER;
    uint32_t lease = 0;
    *at = heater_next_read();
    if (dev.wd_armed)
        consider(&which, at, T_WATCHDOG, dev.wd_end);
    if (dev.session_on && !dev.session_capped && device_running())
        consider(&which, at, T_SESSION, dev.session_start + (uint32_t)PROFILE_MAX_SESSION_S * 1000);
    if (next_lease(&lease))
        consider(&which, at, T_LEASE, lease);
    if (dev.ramping)
        consider(&which, at, T_RAMP,
                 dev.ramp_start + (dev.ramp_next < dev.ramp_ms ? dev.ramp_next : dev.ramp_ms));
    return which;
}

// §6.4: a reading above max_temp cuts everything, unless OVERHEAT is already latched (FAULT, or an
// ESTOP that came during FAULT).
static void heater_tick(uint32_t at, uint32_t now_ms)
{
    if (heater_read(at, now_ms) && !(dev.flags & FL_OVERHEAT)) {
        stop_all(ST_FAULT, FL_OVERHEAT);
        link_event(EV_OVERHEAT, heater_temp_c());
    }
}

// §6.2: every zone whose lease ran out by `at` goes off, one event each, in ZONE_INFO order.
static void lease_expiry(uint32_t at)
{
    for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++) {
        struct zone *z = &dev.zone[i];
        if (z->leased && due(at, z->lease_end)) {
            zone_write(i, 0, 0, 0, 0);
            z->leased = 0;
            link_event(EV_LEASE_EXPIRED, flash_u8(&profile_zones[i].id));
        }
    }
    refresh_active();
}

// §6.7: every 100 ms each ramping zone gets ceil(initial x remaining / ramp); at the end all off, STOPPED.
static void ramp_tick(void)
{
    if (dev.ramp_next >= dev.ramp_ms) {
        all_off();
        dev.state = ST_READY;
        link_event(EV_STOPPED, 0);
        return;
    }
    uint32_t remaining = (uint32_t)(dev.ramp_ms - dev.ramp_next);
    for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++) {
        struct zone *z = &dev.zone[i];
        if (z->ramp_from)
            zone_write(i, z->motion, (uint8_t)((z->ramp_from * remaining + dev.ramp_ms - 1) / dev.ramp_ms),
                       z->speed, z->heat);
    }
    dev.ramp_next = (uint16_t)(dev.ramp_next + RAMP_STEP_MS);
}

// One timer at its deadline `at`.
static void fire(uint8_t which, uint32_t at, uint32_t now_ms)
{
    switch (which) {
    case T_HEATER:
        heater_tick(at, now_ms);
        break;
    case T_WATCHDOG: // §6.1
        stop_all(ST_SAFE_STOP, FL_WATCHDOG);
        link_event(EV_WATCHDOG, 0);
        break;
    case T_SESSION: // §6.5
        dev.session_capped = 1;
        stop_all(ST_SAFE_STOP, FL_SESSION_LIMIT);
        link_event(EV_SESSION_LIMIT, 0);
        break;
    case T_LEASE:
        lease_expiry(at);
        break;
    default:
        ramp_tick();
        break;
    }
}

// Each firing moves its own deadline on or ends its timer, so this loop ends.
void device_timers(uint32_t now_ms)
{
    for (;;) {
        uint32_t at;
        uint8_t which = next_timer(&at);
        if (!due(now_ms, at))
            return;
        fire(which, at, now_ms);
    }
}

// The plate follows the highest heat level among the zones; the motors follow drive.c.
void device_outputs(uint32_t now_ms)
{
    uint8_t level = 0;
    for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++)
        if (dev.zone[i].heat > level)
            level = dev.zone[i].heat;
    const uint8_t *duty = drive_update(dev.zone, now_ms, dev.outputs_changed);
    dev.outputs_changed = 0;
    board_set_outputs(duty, heater_output(level));
}
