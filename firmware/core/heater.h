// §6.4 the heater plate: thermistor readings, the cutoff condition and on/off regulation (at most 41.0 °C).
#ifndef HEATER_H
#define HEATER_H

#include <stdint.h>

#define HEATER_PERIOD_MS 100     // a reading at least this often (the document allows up to 250 ms)
#define HEATER_HYSTERESIS_DC 5   // the heater comes back on 0.5 °C below its target
#define ADC_OPEN 990             // an open thermistor reads as colder than -35 °C: no reading

// Power-up: no reading yet, heater off; the first reading is due at once.
void heater_init(uint32_t now_ms);
// When the next reading is due.
uint32_t heater_next_read(void);
// Take the reading due at `at` (now is `now_ms`); nonzero when the plate is above max_temp.
uint8_t heater_read(uint32_t at, uint32_t now_ms);
// The latest reading in tenths of °C, or TEMP_NO_READING.
int16_t heater_temp_dC(void);
// The latest reading in whole °C, rounded down, clamped to 0..255 (EVENT and NAK OVERHEAT).
uint8_t heater_temp_c(void);
// Nonzero when the latest reading is below max_temp - 3 °C, so a HELLO may leave FAULT (§3.1).
uint8_t heater_cooled(void);
// Whether the heater should be on to hold heat `level` (0 = off), by the latest reading.
uint8_t heater_output(uint8_t level);
// Tenths of °C for a raw ADC value (NTC divider, see firmware/README.md), TEMP_NO_READING when open.
int16_t heater_temp_from_adc(uint16_t adc);

#endif
