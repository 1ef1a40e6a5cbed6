// UART0 <-> a pseudo-terminal, all on the main thread (no bridge thread racing the simulated core).
// Bytes from the host reach the UART one per byte time of the line rate the firmware configured, so the
// firmware sees a real line; its bytes go to the pty as it sends them.
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <avr_uart.h>
#include <sim_io.h>
#include <sim_irq.h>
#include <sim_time.h>

#include "emu.h"

static avr_irq_t *uart_in;
static avr_uart_t *uart0;

// A fresh pty in raw mode; we keep the slave open so the master never sees a hang-up between hosts.
int bridge_open(void)
{
    struct termios tio;
    if (openpty(&E.master, &E.slave, E.path, NULL, NULL) < 0)
        return -1;
    tcgetattr(E.slave, &tio);
    cfmakeraw(&tio);
    tcsetattr(E.slave, TCSANOW, &tio);
    fcntl(E.master, F_SETFL, fcntl(E.master, F_GETFL) | O_NONBLOCK);
    return 0;
}

// Cycles per byte on the line, as simavr's UART works it out from the rate the firmware set (it drains
// its receive FIFO at that pace); a little slower, so the FIFO never fills.
static avr_cycle_count_t byte_cycles(void)
{
    avr_cycle_count_t slack = avr_usec_to_cycles(E.avr, 2);
    if (!uart0 || uart0->cycles_per_byte == 0)
        return avr_usec_to_cycles(E.avr, 100);
    return uart0->cycles_per_byte + slack;
}

// One host byte into UART0 per byte time, while there are any.
static avr_cycle_count_t feed(avr_t *avr, avr_cycle_count_t when, void *param)
{
    (void)avr;
    (void)param;
    if (E.in_len == 0) {
        E.feeding = 0;
        return 0;
    }
    if (E.xoff) { // the UART's FIFO was full: give it time to drain
        E.xoff = 0;
        return when + 64 * byte_cycles();
    }
    uint8_t byte = E.in_q[E.in_head++];
    E.in_len--;
    if (E.in_len == 0)
        E.in_head = 0;
    avr_raise_irq(uart_in, byte);
    if (byte == 0)
        monitor("rx");
    return when + byte_cycles();
}

// A byte the firmware sent.
static void on_uart_out(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    (void)param;
    if (E.out_len == QUEUE_SIZE) { // nobody is reading: the oldest bytes are lost, as on a real line
        memmove(E.out_q, E.out_q + 1, QUEUE_SIZE - 1);
        E.out_len--;
    }
    E.out_q[E.out_len++] = (uint8_t)value;
    if (value == 0)
        monitor("tx");
}

// The UART's receive FIFO is full: hold the feed.
static void on_xoff(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    (void)param;
    if (value)
        E.xoff = 1;
}

// Hook UART0: no console echo, our own input feed, output to the pty.
void bridge_attach(void)
{
    uint32_t flags = 0;
    for (avr_io_t *io = E.avr->io_port; io; io = io->next)
        if (!strcmp(io->kind, "uart") && ((avr_uart_t *)io)->name == '0')
            uart0 = (avr_uart_t *)io;
    avr_ioctl(E.avr, AVR_IOCTL_UART_GET_FLAGS('0'), &flags);
    flags &= ~(uint32_t)(AVR_UART_FLAG_STDIO | AVR_UART_FLAG_POLL_SLEEP);
    avr_ioctl(E.avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
    uart_in = avr_io_getirq(E.avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);
    avr_irq_register_notify(avr_io_getirq(E.avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT), on_uart_out,
                            NULL);
    avr_irq_register_notify(avr_io_getirq(E.avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XOFF), on_xoff,
                            NULL);
}

// Whatever the host wrote, queued for the UART at the present simulated time.
void bridge_read(void)
{
    if (E.in_head > 0 && E.in_len > 0 && E.in_head + E.in_len > QUEUE_SIZE / 2) {
        memmove(E.in_q, E.in_q + E.in_head, E.in_len);
        E.in_head = 0;
    }
    size_t room = QUEUE_SIZE - E.in_head - E.in_len;
    if (room == 0)
        return;
    ssize_t n = read(E.master, E.in_q + E.in_head + E.in_len, room);
    if (n <= 0)
        return;
    E.in_len += (size_t)n;
    if (!E.feeding) {
        E.feeding = 1;
        avr_cycle_timer_register(E.avr, 1, feed, NULL);
    }
}

// Hand the firmware's bytes to the pty, as many as it takes now.
void bridge_flush(void)
{
    if (E.out_len == 0)
        return;
    ssize_t n = write(E.master, E.out_q, E.out_len);
    if (n <= 0)
        return;
    memmove(E.out_q, E.out_q + n, E.out_len - (size_t)n);
    E.out_len -= (size_t)n;
}

// A reset dropped the feed's timer (and the UART's FIFO): carry on with what the host sends next.
void bridge_after_reset(void)
{
    E.feeding = 0;
    E.xoff = 0;
    if (E.in_len > 0) {
        E.feeding = 1;
        avr_cycle_timer_register(E.avr, 1, feed, NULL);
    }
}
