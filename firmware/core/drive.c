// Motion on a board whose zones are single motors (or pumps) behind PWM: each motion id (§3.8) is an
// 8-step envelope of the zone's duty, walked faster at higher speeds. A board with other actuators
// changes only this file. Speed 1 takes about 3.4 s per cycle, speed 5 about 0.7 s.
#include "drive.h"

#include "flash.h"
#include "profile.h"

// Envelope level 0..8 (eighths of the intensity's duty) for motion ids 1..9, one row each.
static const uint8_t envelope[9][8] FLASH_DATA = {
    {2, 4, 6, 8, 8, 6, 4, 2}, // roll: a wave passing under the foot
    {4, 6, 8, 6, 4, 6, 8, 6}, // knead
    {8, 6, 3, 1, 1, 3, 6, 8}, // swing
    {2, 3, 4, 5, 6, 7, 8, 8}, // stroke: rising, then let go
    {4, 7, 8, 7, 4, 1, 0, 1}, // circle: a sine
    {8, 8, 8, 8, 3, 3, 3, 3}, // press: hold, release
    {8, 0, 8, 0, 8, 0, 8, 0}, // pulse
    {3, 5, 7, 8, 8, 8, 5, 3}, // compress
    {8, 8, 8, 8, 8, 8, 8, 8}, // vibrate: steady
};

static struct {
    uint8_t duty[PROFILE_ZONE_COUNT];
    uint16_t phase[PROFILE_ZONE_COUNT];
    uint32_t last_tick;
} R;

// Phases restart; nothing drives.
void drive_init(uint32_t now_ms)
{
    for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++) {
        R.duty[i] = 0;
        R.phase[i] = 0;
    }
    R.last_tick = now_ms;
}

// ceil(intensity / intensity_max * envelope / 8 * DRIVE_STEPS), in 16-bit integers.
uint8_t drive_duty(uint8_t motion, uint8_t intensity, uint8_t step)
{
    if (intensity == 0 || motion == 0 || motion > 9)
        return 0;
    uint16_t level = flash_u8(&envelope[motion - 1][step & 7]);
    uint16_t scaled = (uint16_t)(intensity * DRIVE_STEPS) * level;
    uint16_t whole = PROFILE_INTENSITY_MAX * 8;
    return (uint8_t)((scaled + whole - 1) / whole);
}

// Advance the envelopes by whole ticks, then recompute every zone's duty.
const uint8_t *drive_update(const struct zone *zones, uint32_t now_ms, uint8_t changed)
{
    uint8_t ticked = 0;
    if ((int32_t)(now_ms - R.last_tick) > 100 * DRIVE_TICK_MS) // a long stall: skip, do not replay
        R.last_tick = now_ms - DRIVE_TICK_MS;
    while ((int32_t)(now_ms - R.last_tick) >= DRIVE_TICK_MS) {
        R.last_tick += DRIVE_TICK_MS;
        for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++)
            R.phase[i] = (uint16_t)(R.phase[i] + zones[i].speed * DRIVE_PHASE_RATE);
        ticked = 1;
    }
    if (ticked || changed)
        for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++)
            R.duty[i] = drive_duty(zones[i].motion, zones[i].intensity, (uint8_t)(R.phase[i] >> 8));
    return R.duty;
}
