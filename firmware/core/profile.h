// The board profile: identity, limits and zones this firmware reports (§3.2, §3.5), in one place.
// The zones are the `foot` profile's (sim/profiles.py), so programs written for it run unchanged.
#ifndef PROFILE_H
#define PROFILE_H

#include <stdint.h>

#include "flash.h"

#define PROFILE_MODEL "FootMate Uno"
#define PROFILE_FIRMWARE "1.1.0"
#ifndef PROFILE_SERIAL
#define PROFILE_SERIAL "" // per-device serial, set at build time: make SERIAL=ABC-0001
#endif

#define PROFILE_INTENSITY_MAX 10
#define PROFILE_SPEED_MAX 5
#define PROFILE_HEAT_MAX 2
#define PROFILE_MAX_TEMP_DC 450   // §6.4 cutoff, 45.0 °C
#define PROFILE_MAX_SESSION_S 1800
#define PROFILE_WATCHDOG_MS 400
#define PROFILE_MAX_LEASE_MS 2000
#define PROFILE_MOTIONS 0x03FE    // motion ids 1..9 (§3.8): every motion is an envelope (drive.c)
#define PROFILE_ZONE_COUNT 11
#define ZONE_NAME_SIZE 12         // longest name + NUL

struct zone_def {
    uint8_t id;
    uint8_t flags; // ZONE_FLAG_HEATED: the zone lies on the heater plate
    char name[ZONE_NAME_SIZE];
};

// The zones in ZONE_INFO order.
extern const struct zone_def profile_zones[PROFILE_ZONE_COUNT];
// The plate target (tenths of °C) for each heat level 1..PROFILE_HEAT_MAX, each at most 41.0 °C (§6.4).
extern const int16_t profile_heat_target_dC[PROFILE_HEAT_MAX];

// The index of zone `id`, or -1 when the device has no such zone.
int8_t profile_zone_index(uint8_t id);
// ZONE_INFO flags of the zone at `index`.
uint8_t profile_zone_flags(uint8_t index);

#endif
