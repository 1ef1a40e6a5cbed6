// The foot profile's zones and heat targets, kept in flash.
#include "profile.h"

#include "proto.h"

const struct zone_def profile_zones[PROFILE_ZONE_COUNT] FLASH_DATA = {
    {1, 0, "toe_tips"},
    {2, 0, "big_toe_pad"},
    {3, ZONE_FLAG_HEATED, "diaphragm"},
    {4, ZONE_FLAG_HEATED, "kidney"},
    {5, ZONE_FLAG_HEATED, "spine_arch"},
    {6, ZONE_FLAG_HEATED, "heel"},
    {7, 0, "ankle"},
    {8, ZONE_FLAG_HEATED, "ball"},
    {9, 0, "outer_edge"},
    {10, 0, "instep"},
    {11, 0, "calf"},
};

const int16_t profile_heat_target_dC[PROFILE_HEAT_MAX] FLASH_DATA = {380, 410};

// Linear search: 11 zones, and SET names at most 16.
int8_t profile_zone_index(uint8_t id)
{
    for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++)
        if (flash_u8(&profile_zones[i].id) == id)
            return (int8_t)i;
    return -1;
}

// Read from flash.
uint8_t profile_zone_flags(uint8_t index)
{
    return flash_u8(&profile_zones[index].flags);
}
