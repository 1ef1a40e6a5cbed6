// The test interface of the host build (tests/firmware/core.py binds these through ctypes).
#ifndef HOST_BOARD_H
#define HOST_BOARD_H

#include <stdint.h>

// Power up: the stored boot count + 1 (wrapping 65535 -> 0) is stored back, then the core starts.
void host_boot(uint16_t stored_boot_count, uint8_t reset_cause, uint32_t now_ms);
uint16_t host_stored_boot_count(void);
// Bytes arrive one by one at `now_ms`, a pass of the main loop after each.
void host_rx(const uint8_t *data, uint32_t len, uint32_t now_ms);
// Bytes that all arrived while the loop was busy (dropped past the buffer's end), then one pass.
void host_rx_burst(const uint8_t *data, uint32_t len, uint32_t now_ms);
// One pass of the main loop.
void host_poll(uint32_t now_ms);
// Take up to `max` bytes the device transmitted.
uint32_t host_tx_take(uint8_t *out, uint32_t max);
// Hold transmitted bytes in the chip-sized transmit buffer (a slow line) until released.
void host_tx_hold(uint8_t hold);
uint32_t host_tx_release(uint32_t n);
uint32_t host_rx_pending(void);
uint32_t host_tx_pending(void);
// Inputs: the thermistor's ADC value, the stop button, a zone drive's fault.
void host_set_adc(uint16_t adc);
void host_set_button(uint8_t pressed);
void host_set_stuck(uint8_t index, uint8_t stuck);
// Outputs: a zone's PWM duty (0..DRIVE_STEPS) and the heater.
uint8_t host_duty(uint8_t index);
uint8_t host_heater(void);
// Pure pieces: the frame encoder, the thermistor table, a motion envelope's duty.
uint8_t host_encode(uint8_t seq, uint8_t type, const uint8_t *payload, uint8_t len, uint8_t *out);
int16_t host_temp_from_adc(uint16_t adc);
uint8_t host_drive_duty(uint8_t motion, uint8_t intensity, uint8_t step);
uint32_t host_dropped_frames(void);
// 0 receive buffer size, 1 transmit buffer size, 2 DRIVE_STEPS, 3 FRAME_ROOM, 4 MAX_ENCODED.
uint32_t host_constant(uint8_t which);

#endif
