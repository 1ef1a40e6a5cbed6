// The board around the chip, as wired in firmware/README.md: two 74HC595s clocked from D13 with data on D11,
// their latch on D10 and /OE on D9 (pulled up: a chip in reset disables them), the heater MOSFET on D8 (pulled down), a
// heater plate that warms while it is on, the NTC divider on A0, and the stop button on D2. What the
// outputs actually do is reported on the monitor: "on"/"off" the instant any output changes between
// all-off and not, and each output's duty over every 10 ms window when it changes.
#include <math.h>
#include <string.h>

#include <avr_adc.h>
#include <avr_ioport.h>
#include <sim_io.h>
#include <sim_irq.h>
#include <sim_time.h>

#include "emu.h"

#define DDRB_ADDR 0x24
#define PORTB_ADDR 0x25
#define BIT_HEATER 0x01 // PB0, D8
#define BIT_OE 0x02     // PB1, D9, active low
#define BIT_LATCH 0x04  // PB2, D10
#define BIT_DATA 0x08   // PB3, D11
#define BIT_CLOCK 0x20  // PB5, D13
#define WINDOW_US 10000
#define QUIET_US 12000 // longer than a PWM period (10 ms): all off this long is "off"
#define HEATER_BIT (1u << OUTPUT_CHANNELS)

// The plate: first order toward 70 °C with the heater on, 25 °C off (time constant 60 s); the NTC is
// 10 kΩ B3950 at 25 °C under a 10 kΩ pull-up to 5 V.
#define AMBIENT_DC 250.0
#define HEATED_DC 700.0
#define PLATE_TAU_S 60.0
#define NTC_R0 10000.0
#define NTC_B 3950.0
#define NTC_T0 298.15
#define PULLUP_OHM 10000.0
#define AVCC_MV 5000.0

static avr_irq_t *adc0, *button;
static avr_io_t board_io; // defined below with its reset hook

// The plate temperature now, moving it on from its last update.
static double plate_now(void)
{
    avr_cycle_count_t now = E.avr->cycle;
    if (E.forced)
        return E.plate_dC = E.forced_dC;
    double dt = (double)(now - E.plate_cycle) / E.avr->frequency;
    double target = (E.on_mask & HEATER_BIT) ? HEATED_DC : AMBIENT_DC;
    E.plate_dC = target + (E.plate_dC - target) * exp(-dt / PLATE_TAU_S);
    E.plate_cycle = now;
    return E.plate_dC;
}

// Millivolts on A0 for the plate temperature.
static uint32_t thermistor_mv(double dC)
{
    double kelvin = dC / 10.0 + 273.15;
    double r = NTC_R0 * exp(NTC_B * (1.0 / kelvin - 1.0 / NTC_T0));
    return (uint32_t)lround(AVCC_MV * r / (r + PULLUP_OHM));
}

// Each conversion reads the plate as it is at that moment.
static void on_adc_trigger(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    (void)value;
    (void)param;
    avr_raise_irq(adc0, thermistor_mv(plate_now()));
}

// What the outputs do now: the 74HC595 latch while /OE is driven low, the heater while D8 is driven high.
static uint32_t effective_outputs(void)
{
    uint8_t ddr = E.avr->data[DDRB_ADDR], port = E.avr->data[PORTB_ADDR];
    uint32_t mask = 0;
    if ((ddr & BIT_OE) && !(port & BIT_OE))
        mask = E.latch;
    if ((ddr & BIT_HEATER) && (port & BIT_HEATER))
        mask |= HEATER_BIT;
    return mask;
}

// All off for QUIET_US: the quiet began at E.off_since, so report "off" then (a PWM gap is shorter).
static avr_cycle_count_t quiet_check(avr_t *avr, avr_cycle_count_t when, void *param)
{
    (void)avr;
    (void)when;
    (void)param;
    if (!E.on_mask && !E.reported_off) {
        E.reported_off = 1;
        monitor_at(E.off_since, "off");
    }
    return 0;
}

// Account on-time per output; "on" the instant something comes on after a reported "off".
static void outputs_changed(void)
{
    uint32_t mask = effective_outputs();
    if (mask == E.on_mask)
        return;
    plate_now(); // the plate's heating changes with the heater
    avr_cycle_count_t now = E.avr->cycle;
    for (int i = 0; i <= OUTPUT_CHANNELS; i++) {
        uint32_t bit = 1u << i;
        if ((E.on_mask ^ mask) & bit) {
            if (E.on_mask & bit)
                E.on_cycles[i] += now - E.on_since[i];
            E.on_since[i] = now;
        }
    }
    if (mask && E.reported_off) {
        E.reported_off = 0;
        monitor("on");
    } else if (!mask && E.on_mask) {
        E.off_since = now;
        avr_cycle_timer_cancel(E.avr, quiet_check, NULL);
        avr_cycle_timer_register_usec(E.avr, QUIET_US, quiet_check, NULL);
    }
    E.on_mask = mask;
}

// Every 10 ms: each output's duty over the window, reported when any changed.
static avr_cycle_count_t duty_window(avr_t *avr, avr_cycle_count_t when, void *param)
{
    (void)param;
    avr_cycle_count_t len = when - E.window_start;
    int duty[OUTPUT_CHANNELS + 1], changed = 0;
    for (int i = 0; i <= OUTPUT_CHANNELS; i++) {
        avr_cycle_count_t on = E.on_cycles[i];
        if (E.on_mask & (1u << i))
            on += when - E.on_since[i];
        E.on_cycles[i] = 0;
        E.on_since[i] = when;
        duty[i] = len ? (int)((on * 100 + len / 2) / len) : 0;
        changed |= duty[i] != E.last_duty[i];
        E.last_duty[i] = duty[i];
    }
    E.window_start = when;
    if (changed) {
        char text[8 * (OUTPUT_CHANNELS + 2)];
        int n = snprintf(text, sizeof text, "duty");
        for (int i = 0; i <= OUTPUT_CHANNELS; i++)
            n += snprintf(text + n, sizeof text - (size_t)n, "%c%d", i ? ',' : ' ', duty[i]);
        monitor("%s", text);
    }
    return when + avr_usec_to_cycles(avr, WINDOW_US);
}

// PORTB written: a rising clock edge shifts the data pin into the registers (the first bit ends up at the
// far end, the second register's Q7); a rising latch edge moves them to their outputs.
static void on_portb(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    (void)param;
    uint8_t rising = (uint8_t)(value & ~E.portb);
    if (rising & BIT_CLOCK)
        E.shift = (E.shift << 1) | ((value & BIT_DATA) ? 1 : 0);
    if (rising & BIT_LATCH)
        E.latch = (uint16_t)E.shift;
    E.portb = (uint8_t)value;
    if (rising & BIT_CLOCK)
        return; // only the latch, /OE and the heater change what the outputs do
    outputs_changed();
}

// DDRB written: a pin turning input or output changes what the outputs do.
static void on_ddrb(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    (void)value;
    (void)param;
    outputs_changed();
}

// Connect the model to the chip; the plate starts at `start_dC`, the button up.
void board_attach(double start_dC)
{
    avr_t *avr = E.avr;
    E.plate_dC = start_dC;
    avr_irq_register_notify(avr_iomem_getirq(avr, PORTB_ADDR, NULL, AVR_IOMEM_IRQ_ALL), on_portb, NULL);
    avr_irq_register_notify(avr_iomem_getirq(avr, DDRB_ADDR, NULL, AVR_IOMEM_IRQ_ALL), on_ddrb, NULL);
    adc0 = avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_ADC0);
    avr_irq_register_notify(avr_io_getirq(avr, AVR_IOCTL_ADC_GETIRQ, ADC_IRQ_OUT_TRIGGER), on_adc_trigger, NULL);
    button = avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ('D'), IOPORT_IRQ_PIN2);
    avr_raise_irq(adc0, thermistor_mv(start_dC));
    board_press(0);
    for (int i = 0; i <= OUTPUT_CHANNELS; i++)
        E.last_duty[i] = 0;
    E.reported_off = 1; // powered up with everything off
    avr_cycle_timer_register_usec(avr, WINDOW_US, duty_window, NULL);
    avr_register_io(avr, &board_io);
}

// The stop button to GND: pressed reads low, released the pull-up reads high.
void board_press(int pressed)
{
    E.button_down = pressed;
    avr_raise_irq(button, pressed ? 0 : 1);
}

// Hold the plate at `dC` (a fault, a hot room), or let the model run again.
void board_force_temp(int forced, double dC)
{
    plate_now();
    E.forced = forced;
    E.forced_dC = dC;
    if (!forced)
        E.plate_cycle = E.avr->cycle;
}

// Just after any reset (the reset pin, or the chip's own watchdog): every pin is an input again, so /OE
// is pulled up and the heater gate down; simavr has dropped every cycle timer and the pins' outside
// levels, so the button, the duty windows and the UART feed are set up again.
static avr_cycle_count_t after_reset(avr_t *avr, avr_cycle_count_t when, void *param)
{
    (void)param;
    E.portb = 0;
    outputs_changed();
    avr_raise_irq(button, E.button_down ? 1 : 0); // simavr only passes on a change of level
    board_press(E.button_down);
    E.window_start = when;
    avr_cycle_timer_register_usec(avr, WINDOW_US, duty_window, NULL);
    bridge_after_reset();
    monitor("reset");
    return 0;
}

// simavr calls an io module's reset after clearing the cycle timers: schedule the work just after it.
static void on_reset(struct avr_io_t *io)
{
    avr_cycle_timer_register(io->avr, 1, after_reset, NULL);
}

static avr_io_t board_io = {.kind = "board", .reset = on_reset};
