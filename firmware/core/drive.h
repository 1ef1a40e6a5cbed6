// What each zone's output does: intensity sets the PWM duty, motion and speed shape it over time.
#ifndef DRIVE_H
#define DRIVE_H

#include <stdint.h>

#include "device.h"

#define DRIVE_STEPS 10     // PWM duty 0..DRIVE_STEPS (the board's PWM period in ticks)
#define DRIVE_TICK_MS 10   // the motion envelopes move on this often
#define DRIVE_PHASE_RATE 6 // envelope phase per tick per speed step: 8 steps of 256 phase each

// Power-up: phases at 0.
void drive_init(uint32_t now_ms);
// Each zone's duty now; recomputed every DRIVE_TICK_MS and at once when `changed`.
const uint8_t *drive_update(const struct zone *zones, uint32_t now_ms, uint8_t changed);
// Duty of one zone at envelope step `step` (0..7): 0 when intensity is 0, else at least 1 while the
// envelope is above 0.
uint8_t drive_duty(uint8_t motion, uint8_t intensity, uint8_t step);

#endif
