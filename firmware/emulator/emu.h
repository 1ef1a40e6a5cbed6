// The emulator harness: an ATmega328P in simavr running massager.elf in real time, its UART0 bridged
// to a pseudo-terminal, the board around it modelled (two 74HC595s, the heater and its plate, the
// thermistor, the stop button) so tests can watch the outputs without going through the link.
#ifndef EMU_H
#define EMU_H

#include <stdint.h>
#include <stdio.h>

#include <sim_avr.h>

#define OUTPUT_CHANNELS 16           // 74HC595 outputs; the heater is reported after them
#define QUEUE_SIZE 65536

struct emu {
    avr_t *avr;
    FILE *out;      // our own stdout: the pty path, answers, and monitor lines
    int monitor;    // print monitor lines (--monitor)
    // the pty bridge
    int master, slave;
    char path[128];
    uint8_t in_q[QUEUE_SIZE], out_q[QUEUE_SIZE];
    size_t in_head, in_len, out_len;
    int feeding, xoff;
    // the board model
    uint32_t shift;           // bits shifted into the 74HC595s
    uint16_t latch;           // what their outputs hold
    uint8_t portb;            // last PORTB written (for the latch edge)
    uint32_t on_mask;         // effective outputs now: bits 0..15 the channels, bit 16 the heater
    avr_cycle_count_t on_since[OUTPUT_CHANNELS + 1], on_cycles[OUTPUT_CHANNELS + 1];
    int last_duty[OUTPUT_CHANNELS + 1];
    avr_cycle_count_t window_start, off_since;
    int reported_off;
    double plate_dC, forced_dC;
    avr_cycle_count_t plate_cycle;
    int forced, button_down;
};

extern struct emu E;

// Simulated microseconds since the emulator started.
uint64_t emu_usec(void);
// One monitor line, "<t_us> <text>", when --monitor is on.
void monitor(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
// The same, stamped with an earlier simulated cycle.
void monitor_at(avr_cycle_count_t cycle, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// bridge.c: the pseudo-terminal and UART0.
int bridge_open(void);
void bridge_attach(void);
void bridge_read(void);
void bridge_flush(void);
void bridge_after_reset(void);

// board_model.c: outputs, plate, thermistor, button.
void board_attach(double start_dC);
void board_press(int pressed);
void board_force_temp(int forced, double dC);

#endif
