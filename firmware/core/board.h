// What the core asks of a board (Klipper's console_* model): received bytes, room to transmit, the
// outputs, and a few inputs. Implemented by board/uno.c on the chip and host/host_board.c in the tests.
#ifndef BOARD_H
#define BOARD_H

#include <stdint.h>

// The bytes received so far (from the start of the receive buffer); *len gets their count.
uint8_t *console_get_input(uint8_t *len);
// Drop the first `len` received bytes: the core consumed them.
void console_pop_input(uint8_t len);
// Room for `len` contiguous bytes of output, or 0 when the transmit buffer cannot take them now.
uint8_t *console_get_output(uint8_t len);
// Transmit the `len` bytes just written at console_get_output's pointer.
void console_push_output(uint8_t len);

// Drive the outputs: each zone's PWM duty (0..DRIVE_STEPS, ZONE_INFO order) and the heater.
void board_set_outputs(const uint8_t *duty, uint8_t heater_on);
// The thermistor's raw ADC reading (0..1023).
uint16_t board_read_thermistor(void);
// Nonzero while the device's stop button is held down.
uint8_t board_stop_button(void);
// Nonzero while the drive of the zone at `index` reports a fault (§3.7 ZONE_STUCK).
uint8_t board_zone_stuck(uint8_t index);

#endif
