// Each host command's checks and action, in the document's order: HELLO (§3.1), SET (§3.3), SOFT_STOP
// (§6.7), HEARTBEAT, GET_STATUS (§3.4), GET_ZONE (§3.5), and 1.1's RENEW. Answers go out through link.c.
#include <string.h>

#include "board.h"
#include "device.h"
#include "heater.h"
#include "link.h"
#include "proto.h"

// Little-endian field readers and writers (§ conventions).
static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

// Write a u16 little-endian; returns the next free byte.
static uint8_t *put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

// Write a u32 little-endian; returns the next free byte.
static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
    p = put_u16(p, (uint16_t)v);
    return put_u16(p, (uint16_t)(v >> 16));
}

// A u8 length and the bytes of a string kept in flash.
static uint8_t *put_flash_str(uint8_t *p, const char *s, uint8_t len)
{
    *p++ = len;
    for (uint8_t i = 0; i < len; i++)
        *p++ = flash_u8(&s[i]);
    return p;
}

static const char model[] FLASH_DATA = PROFILE_MODEL;
static const char firmware[] FLASH_DATA = PROFILE_FIRMWARE;
static const char serial[] FLASH_DATA = PROFILE_SERIAL;

// §3.2, with 1.1's minor; the flags say: not a simulator, has a heater.
static uint8_t hello_reply(void)
{
    uint8_t *p = reply_payload;
    *p++ = PROTO_MAJOR;
    *p++ = PROTO_MINOR;
    *p++ = PROFILE_HEAT_MAX > 0 ? HELLO_FLAG_HEATER : 0;
    p = put_u16(p, dev.boot_count);
    *p++ = dev.reset_cause;
    *p++ = PROFILE_INTENSITY_MAX;
    *p++ = PROFILE_SPEED_MAX;
    *p++ = PROFILE_HEAT_MAX;
    p = put_u16(p, PROFILE_MAX_TEMP_DC);
    p = put_u16(p, PROFILE_MAX_SESSION_S);
    p = put_u16(p, PROFILE_WATCHDOG_MS);
    p = put_u16(p, PROFILE_MAX_LEASE_MS);
    p = put_u16(p, PROFILE_MOTIONS);
    *p++ = PROFILE_ZONE_COUNT;
    p = put_flash_str(p, model, sizeof model - 1);
    p = put_flash_str(p, firmware, sizeof firmware - 1);
    p = put_flash_str(p, serial, sizeof serial - 1);
    return (uint8_t)(p - reply_payload);
}

// §3.1: another major changes nothing; our major turns everything off, ends the session, empties the
// duplicate memory, and leaves FAULT only once the plate is below max_temp - 3 °C.
void device_hello(const uint8_t *payload, uint8_t len, uint32_t now_ms)
{
    if (len != 2) {
        link_nak(NAK_MALFORMED, 0); // not remembered: no reply to HELLO is
        return;
    }
    if (payload[0] == PROTO_MAJOR) {
        all_off();
        link_forget();
        dev.session_on = 0;
        dev.session_capped = 0;
        if ((dev.flags & FL_OVERHEAT) && !heater_cooled()) {
            dev.state = ST_FAULT;
            dev.wd_armed = 0;
        } else {
            dev.state = ST_READY;
            dev.flags = 0;
            dev.wd_armed = 1;
            dev.wd_end = now_ms + PROFILE_WATCHDOG_MS;
        }
    }
    link_reply(MSG_HELLO_REPLY, hello_reply());
}

// §3.3 step 3 (and §6.7): which state refuses SET, SOFT_STOP and RENEW, and how; 0 when accepted.
static uint8_t state_refusal(uint8_t *detail)
{
    *detail = 0;
    switch (dev.state) {
    case ST_WAITING:
        return NAK_NOT_READY;
    case ST_SAFE_STOP:
        return dev.session_capped ? NAK_SESSION_LIMIT : NAK_NOT_READY;
    case ST_ESTOP:
        return NAK_ESTOP_LATCHED;
    case ST_FAULT:
        *detail = heater_temp_c();
        return NAK_OVERHEAT;
    case ST_STOPPING:
        return NAK_BUSY;
    default:
        return 0;
    }
}

// NAK the state's refusal, if any; nonzero when it did.
static uint8_t refused_by_state(void)
{
    uint8_t detail, code = state_refusal(&detail);
    if (code)
        link_nak(code, detail);
    return code;
}

// Nonzero if any zone's drive reports a fault (STATUS sets ZONE_STUCK while it does).
static uint8_t any_stuck(void)
{
    for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++)
        if (board_zone_stuck(i))
            return 1;
    return 0;
}

// §3.3 step 2.4: the value ranges of one entry on the zone at `index`.
static uint8_t entry_in_range(const uint8_t *e, uint8_t index)
{
    uint8_t motion = e[1], intensity = e[2], speed = e[3], heat = e[4];
    uint16_t lease = get_u16(e + 5);
    uint8_t speed_min = intensity > 0 ? 1 : 0;
    return intensity <= PROFILE_INTENSITY_MAX && speed >= speed_min && speed <= PROFILE_SPEED_MAX &&
           heat <= PROFILE_HEAT_MAX && (heat == 0 || (profile_zone_flags(index) & ZONE_FLAG_HEATED)) &&
           lease >= MIN_LEASE_MS && lease <= PROFILE_MAX_LEASE_MS && (intensity == 0 || motion != 0);
}

// A motion id this device supports (bits 10..15 and above 15 are not).
static uint8_t motion_supported(uint8_t motion)
{
    return motion < 16 && ((PROFILE_MOTIONS >> motion) & 1);
}

// §3.3 step 2: every entry in turn, every rule of an entry before the next; the first failure NAKs.
static uint8_t set_entries_refused(const uint8_t *entries, uint8_t count)
{
    uint32_t seen = 0;
    for (uint8_t e = 0; e < count; e++) {
        const uint8_t *entry = entries + e * SET_ENTRY_LEN;
        int8_t index = profile_zone_index(entry[0]);
        if (index < 0) {
            link_nak(NAK_UNSUPPORTED_ZONE, entry[0]);
            return 1;
        }
        if (seen & ((uint32_t)1 << index)) {
            link_nak(NAK_OUT_OF_RANGE, e);
            return 1;
        }
        seen |= (uint32_t)1 << index;
        if (entry[1] != 0 && !motion_supported(entry[1])) {
            link_nak(NAK_UNSUPPORTED_MOTION, entry[1]);
            return 1;
        }
        if (!entry_in_range(entry, (uint8_t)index)) {
            link_nak(NAK_OUT_OF_RANGE, e);
            return 1;
        }
        if (board_zone_stuck((uint8_t)index)) {
            link_nak(NAK_ZONE_STUCK, entry[0]);
            return 1;
        }
    }
    return 0;
}

// Apply a checked SET: each zone absolutely, its lease restarted (or ended when off), the session begun.
static void set_apply(const uint8_t *entries, uint8_t count, uint32_t now_ms)
{
    uint8_t any_on = 0;
    for (uint8_t e = 0; e < count; e++) {
        const uint8_t *entry = entries + e * SET_ENTRY_LEN;
        uint8_t index = (uint8_t)profile_zone_index(entry[0]);
        struct zone *z = &dev.zone[index];
        zone_write(index, entry[1], entry[2], entry[3], entry[4]);
        z->leased = zone_is_on(index);
        z->lease_end = now_ms + get_u16(entry + 5);
        any_on |= z->leased;
    }
    if (any_on && !dev.session_on) {
        dev.session_on = 1;
        dev.session_start = now_ms;
    }
    refresh_active();
}

// §3.3: size, count, entries, state; then applied whole and ACKed.
static void cmd_set(const uint8_t *payload, uint8_t len, uint32_t now_ms)
{
    if (len == 0 || len != 1 + (uint16_t)SET_ENTRY_LEN * payload[0]) {
        link_nak(NAK_MALFORMED, 0);
        return;
    }
    uint8_t count = payload[0];
    if (count == 0 || count > SET_MAX_ENTRIES) {
        link_nak(NAK_OUT_OF_RANGE, 0);
        return;
    }
    if (set_entries_refused(payload + 1, count) || refused_by_state())
        return;
    set_apply(payload + 1, count, now_ms);
    link_ack();
}

// §6.7: heat off and leases ended at once; intensities ramp down, or everything stops now.
static void cmd_soft_stop(const uint8_t *payload, uint8_t len, uint32_t now_ms)
{
    if (len != 2) {
        link_nak(NAK_MALFORMED, 0);
        return;
    }
    uint16_t ramp_ms = get_u16(payload);
    if (ramp_ms > MAX_RAMP_MS) {
        link_nak(NAK_OUT_OF_RANGE, 0);
        return;
    }
    if (refused_by_state())
        return;
    link_ack(); // the answer goes before EVENT STOPPED (§3.6)
    uint8_t moving = 0;
    for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++) {
        struct zone *z = &dev.zone[i];
        zone_write(i, z->motion, z->intensity, z->speed, 0);
        z->leased = 0;
        z->ramp_from = z->intensity;
        moving |= z->intensity > 0;
    }
    if (!moving || ramp_ms == 0) {
        all_off();
        dev.state = ST_READY;
        link_event(EV_STOPPED, 0);
        return;
    }
    dev.ramping = 1;
    dev.ramp_start = now_ms;
    dev.ramp_ms = ramp_ms;
    dev.ramp_next = RAMP_STEP_MS;
    dev.state = ST_STOPPING;
}

// §3.4 STATUS; 1.1 flags bit 0 lists only the zones that are on.
static void cmd_get_status(const uint8_t *payload, uint8_t len, uint32_t now_ms)
{
    if (len > 1) {
        link_nak(NAK_MALFORMED, 0);
        return;
    }
    uint8_t flags = len ? payload[0] : 0;
    if (flags & (uint8_t)~STATUS_ONLY_ON) {
        link_nak(NAK_OUT_OF_RANGE, 0);
        return;
    }
    uint32_t session_s = dev.session_on ? (now_ms - dev.session_start) / 1000 : 0;
    uint8_t *p = reply_payload;
    *p++ = dev.state;
    *p++ = (uint8_t)(dev.flags | (any_stuck() ? FL_ZONE_STUCK : 0));
    p = put_u16(p, (uint16_t)heater_temp_dC());
    p = put_u32(p, now_ms - dev.boot_ms);
    p = put_u16(p, session_s > 0xFFFF ? 0xFFFF : (uint16_t)session_s);
    p = put_u16(p, link_invalid_frames());
    p = put_u16(p, dev.boot_count);
    uint8_t *count = p++;
    *count = 0;
    for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++) {
        const struct zone *z = &dev.zone[i];
        if ((flags & STATUS_ONLY_ON) && !zone_is_on(i))
            continue;
        *p++ = flash_u8(&profile_zones[i].id);
        *p++ = z->motion;
        *p++ = z->intensity;
        *p++ = z->speed;
        *p++ = z->heat;
        (*count)++;
    }
    link_reply(MSG_STATUS, (uint8_t)(p - reply_payload));
}

// §3.5 ZONE_INFO, or OUT_OF_RANGE past the last zone.
static void cmd_get_zone(const uint8_t *payload, uint8_t len)
{
    if (len != 1) {
        link_nak(NAK_MALFORMED, 0);
        return;
    }
    uint8_t index = payload[0];
    if (index >= PROFILE_ZONE_COUNT) {
        link_nak(NAK_OUT_OF_RANGE, 0);
        return;
    }
    const char *name = profile_zones[index].name;
    uint8_t name_len = 0;
    while (name_len < ZONE_NAME_SIZE && flash_u8(&name[name_len]))
        name_len++;
    uint8_t *p = reply_payload;
    *p++ = index;
    *p++ = flash_u8(&profile_zones[index].id);
    *p++ = profile_zone_flags(index);
    p = put_flash_str(p, name, name_len);
    link_reply(MSG_ZONE_INFO, (uint8_t)(p - reply_payload));
}

// 1.1 RENEW: restart the leases of the named zones without resending their entries.
static void cmd_renew(const uint8_t *payload, uint8_t len, uint32_t now_ms)
{
    if (len != RENEW_LEN) {
        link_nak(NAK_MALFORMED, 0);
        return;
    }
    uint16_t lease = get_u16(payload);
    uint32_t zones = get_u16(payload + 2) | ((uint32_t)get_u16(payload + 4) << 16);
    if (zones == 0 || (zones >> PROFILE_ZONE_COUNT) || lease < MIN_LEASE_MS || lease > PROFILE_MAX_LEASE_MS) {
        link_nak(NAK_OUT_OF_RANGE, 0);
        return;
    }
    for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++) {
        if (!((zones >> i) & 1))
            continue;
        uint8_t id = flash_u8(&profile_zones[i].id);
        if (board_zone_stuck(i)) {
            link_nak(NAK_ZONE_STUCK, id);
            return;
        }
        if (!zone_is_on(i)) {
            link_nak(NAK_ZONE_OFF, id);
            return;
        }
    }
    if (refused_by_state())
        return;
    for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++)
        if ((zones >> i) & 1) {
            dev.zone[i].leased = 1;
            dev.zone[i].lease_end = now_ms + lease;
        }
    link_ack();
}

// §2.4 steps 10-11: the host commands a device knows; anything else is UNKNOWN_TYPE.
void device_command(uint8_t type, const uint8_t *payload, uint8_t len, uint32_t now_ms)
{
    switch (type) {
    case MSG_SET:
        cmd_set(payload, len, now_ms);
        break;
    case MSG_SOFT_STOP:
        cmd_soft_stop(payload, len, now_ms);
        break;
    case MSG_HEARTBEAT:
        if (len)
            link_nak(NAK_MALFORMED, 0);
        else
            link_ack();
        break;
    case MSG_GET_STATUS:
        cmd_get_status(payload, len, now_ms);
        break;
    case MSG_GET_ZONE:
        cmd_get_zone(payload, len);
        break;
    case MSG_RENEW:
        cmd_renew(payload, len, now_ms);
        break;
    default:
        link_nak(NAK_UNKNOWN_TYPE, type);
        break;
    }
}
