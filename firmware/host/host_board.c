// The board hooks for the host build: the core compiled with the host's cc as a shared library, driven
// by the tests through ctypes (tests/firmware/core.py). Received bytes go in one at a time with a pass
// of the main loop after each, as the RX interrupt wakes the chip's loop; what the core transmits is
// captured for the test to read, or held in a transmit buffer the size of the chip's to test backpressure.
#include <string.h>

#include "../core/board.h"
#include "../core/core.h"
#include "../core/drive.h"
#include "../core/frame.h"
#include "../core/heater.h"
#include "../core/link.h"
#include "../core/profile.h"
#include "../core/buffers.h"
#include "host_board.h"

#define CAPTURE_SIZE 65536

static struct {
    uint8_t rx[RX_BUFFER_SIZE], rx_len;
    uint8_t tx[TX_BUFFER_SIZE], tx_len, tx_hold;
    uint8_t capture[CAPTURE_SIZE];
    uint32_t capture_len, capture_lost;
    uint8_t duty[PROFILE_ZONE_COUNT], heater;
    uint16_t adc, stored_boot_count;
    uint8_t button, stuck[PROFILE_ZONE_COUNT];
} B;

// Received bytes from the start of the buffer.
uint8_t *console_get_input(uint8_t *len)
{
    *len = B.rx_len;
    return B.rx;
}

// Consumed bytes leave the front.
void console_pop_input(uint8_t len)
{
    memmove(B.rx, B.rx + len, (size_t)(B.rx_len - len));
    B.rx_len = (uint8_t)(B.rx_len - len);
}

// Room at the end of the transmit buffer.
uint8_t *console_get_output(uint8_t len)
{
    if ((uint16_t)B.tx_len + len > TX_BUFFER_SIZE)
        return 0;
    return B.tx + B.tx_len;
}

// Move `n` transmit bytes onto the "line" (the capture the test reads).
static void transmit(uint16_t n)
{
    for (uint16_t i = 0; i < n; i++) {
        if (B.capture_len < CAPTURE_SIZE)
            B.capture[B.capture_len++] = B.tx[i];
        else
            B.capture_lost++;
    }
    memmove(B.tx, B.tx + n, (size_t)(B.tx_len - n));
    B.tx_len = (uint8_t)(B.tx_len - n);
}

// Committed bytes go out at once unless the test holds the line.
void console_push_output(uint8_t len)
{
    B.tx_len = (uint8_t)(B.tx_len + len);
    if (!B.tx_hold)
        transmit(B.tx_len);
}

// The outputs as the board would drive them.
void board_set_outputs(const uint8_t *duty, uint8_t heater_on)
{
    memcpy(B.duty, duty, sizeof B.duty);
    B.heater = heater_on;
}

// The ADC value the test set.
uint16_t board_read_thermistor(void)
{
    return B.adc;
}

// The button as the test set it.
uint8_t board_stop_button(void)
{
    return B.button;
}

// A zone's drive fault as the test set it.
uint8_t board_zone_stuck(uint8_t index)
{
    return B.stuck[index];
}

// --- the test interface ---------------------------------------------------------------------------

// Power up as the board does: the stored boot count + 1 (wrapping), stored back, then the core starts.
void host_boot(uint16_t stored_boot_count, uint8_t reset_cause, uint32_t now_ms)
{
    memset(&B, 0, sizeof B);
    B.adc = 512; // 25 °C; the first reading is taken on the first pass of the loop
    B.stored_boot_count = (uint16_t)(stored_boot_count + 1);
    core_init(B.stored_boot_count, reset_cause, now_ms);
}

// The count the board would have written to EEPROM.
uint16_t host_stored_boot_count(void)
{
    return B.stored_boot_count;
}

// Bytes arrive one by one at `now_ms` (dropped when the buffer is full), the loop running after each.
void host_rx(const uint8_t *data, uint32_t len, uint32_t now_ms)
{
    for (uint32_t i = 0; i < len; i++) {
        if (B.rx_len < RX_BUFFER_SIZE)
            B.rx[B.rx_len++] = data[i];
        core_poll(now_ms);
    }
}

// Bytes that all arrived while the loop was busy: appended (as far as they fit), then one pass.
void host_rx_burst(const uint8_t *data, uint32_t len, uint32_t now_ms)
{
    for (uint32_t i = 0; i < len && B.rx_len < RX_BUFFER_SIZE; i++)
        B.rx[B.rx_len++] = data[i];
    core_poll(now_ms);
}

// One pass of the main loop at `now_ms`.
void host_poll(uint32_t now_ms)
{
    core_poll(now_ms);
}

// Take up to `max` transmitted bytes.
uint32_t host_tx_take(uint8_t *out, uint32_t max)
{
    uint32_t n = B.capture_len < max ? B.capture_len : max;
    memcpy(out, B.capture, n);
    memmove(B.capture, B.capture + n, B.capture_len - n);
    B.capture_len -= n;
    return n;
}

// Hold transmitted bytes in the chip-sized buffer (1), or send them at once (0).
void host_tx_hold(uint8_t hold)
{
    B.tx_hold = hold;
}

// Let `n` held bytes go out (as the UART would at its line rate); returns how many did.
uint32_t host_tx_release(uint32_t n)
{
    if (n > B.tx_len)
        n = B.tx_len;
    transmit((uint16_t)n);
    return n;
}

// Bytes waiting in the receive and transmit buffers.
uint32_t host_rx_pending(void)
{
    return B.rx_len;
}

// Bytes held in the transmit buffer.
uint32_t host_tx_pending(void)
{
    return B.tx_len;
}

// The thermistor's ADC value from the next reading on.
void host_set_adc(uint16_t adc)
{
    B.adc = adc;
}

// The stop button, held (1) or up (0).
void host_set_button(uint8_t pressed)
{
    B.button = pressed;
}

// A zone's drive fault, on (1) or cleared (0).
void host_set_stuck(uint8_t index, uint8_t stuck)
{
    B.stuck[index] = stuck;
}

// The zone's present PWM duty (0..DRIVE_STEPS) and the heater output.
uint8_t host_duty(uint8_t index)
{
    return B.duty[index];
}

// The heater output.
uint8_t host_heater(void)
{
    return B.heater;
}

// Pure pieces exposed for direct tests.
uint8_t host_encode(uint8_t seq, uint8_t type, const uint8_t *payload, uint8_t len, uint8_t *out)
{
    return frame_encode(out, seq, type, payload, len);
}

// The thermistor table's reading.
int16_t host_temp_from_adc(uint16_t adc)
{
    return heater_temp_from_adc(adc);
}

// A motion envelope's duty.
uint8_t host_drive_duty(uint8_t motion, uint8_t intensity, uint8_t step)
{
    return drive_duty(motion, intensity, step);
}

// Frames the core found no transmit room for.
uint32_t host_dropped_frames(void)
{
    return link_dropped_frames();
}

// Sizes the tests check their assumptions against.
uint32_t host_constant(uint8_t which)
{
    switch (which) {
    case 0:
        return RX_BUFFER_SIZE;
    case 1:
        return TX_BUFFER_SIZE;
    case 2:
        return DRIVE_STEPS;
    case 3:
        return FRAME_ROOM;
    default:
        return MAX_ENCODED;
    }
}
