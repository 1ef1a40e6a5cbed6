// §6.4 the heater plate. One plate under every heated zone, driven by the highest heat level among the
// zones that are on; each level has its own target (profile.h), never above 41.0 °C. The cutoff itself
// (everything off, FAULT) is the device's job (device.c); this file only says when the plate is too hot.
#include "heater.h"

#include "board.h"
#include "flash.h"
#include "profile.h"
#include "proto.h"

// Plate temperature (tenths of °C) at ADC 0, 32, 64, ... 1024 for a 10 kΩ B3950 NTC from A0 to GND with
// 10 kΩ from AVCC to A0; made with the Beta equation (tests/firmware/test_core_heater.py checks it).
static const int16_t adc_temp_dC[33] FLASH_DATA = {
    2000, 1293, 1016, 866, 763, 685, 621, 567, 520, 477, 439, 403, 370, 338, 308, 278, 250,
    222,  194,  167,  139, 111, 83,  53,  22,  -11, -47, -87, -132, -186, -256, -364, -600,
};

static struct {
    int16_t temp_dC;
    uint8_t on;
    uint32_t next_read;
} H;

// Heater off, no reading yet; the first is taken on the first pass of the main loop.
void heater_init(uint32_t now_ms)
{
    H.temp_dC = TEMP_NO_READING;
    H.on = 0;
    H.next_read = now_ms;
}

// Deadline of the next reading.
uint32_t heater_next_read(void)
{
    return H.next_read;
}

// Linear interpolation in the table; an open sensor is no reading (the heater then stays off).
int16_t heater_temp_from_adc(uint16_t adc)
{
    if (adc >= ADC_OPEN || adc > 1023)
        return TEMP_NO_READING;
    uint8_t i = (uint8_t)(adc >> 5);
    int16_t low = (int16_t)flash_u16(&adc_temp_dC[i]);
    int16_t high = (int16_t)flash_u16(&adc_temp_dC[i + 1]);
    return (int16_t)(low + (int16_t)((high - low) * (int16_t)(adc & 31)) / 32);
}

// One reading; a late loop skips readings rather than replaying them.
uint8_t heater_read(uint32_t at, uint32_t now_ms)
{
    H.next_read = at + HEATER_PERIOD_MS;
    if ((int32_t)(now_ms - H.next_read) >= 0)
        H.next_read = now_ms + HEATER_PERIOD_MS;
    H.temp_dC = heater_temp_from_adc(board_read_thermistor());
    return H.temp_dC != TEMP_NO_READING && H.temp_dC > PROFILE_MAX_TEMP_DC;
}

// The latest reading.
int16_t heater_temp_dC(void)
{
    return H.temp_dC;
}

// Whole degrees, rounded down; no reading and anything below 0 °C give 0.
uint8_t heater_temp_c(void)
{
    if (H.temp_dC <= 0)
        return 0;
    int16_t c = H.temp_dC / 10;
    return c > 255 ? 255 : (uint8_t)c;
}

// Without a reading the plate is not known to be cool, so FAULT holds.
uint8_t heater_cooled(void)
{
    return H.temp_dC != TEMP_NO_READING && H.temp_dC < PROFILE_MAX_TEMP_DC - FAULT_CLEAR_MARGIN_DC;
}

// On/off with hysteresis around the level's target; off without a reading or at 41.0 °C, whatever the level.
uint8_t heater_output(uint8_t level)
{
    if (level == 0 || H.temp_dC == TEMP_NO_READING) {
        H.on = 0;
        return 0;
    }
    if (level > PROFILE_HEAT_MAX)
        level = PROFILE_HEAT_MAX;
    int16_t target = (int16_t)flash_u16(&profile_heat_target_dC[level - 1]);
    if (target > SKIN_LIMIT_DC)
        target = SKIN_LIMIT_DC;
    if (H.temp_dC >= target)
        H.on = 0;
    else if (H.temp_dC < target - HEATER_HYSTERESIS_DC)
        H.on = 1;
    return H.on;
}
