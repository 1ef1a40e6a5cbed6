// massager-emu: run massager.elf on a simulated ATmega328P at 16 MHz, paced to real time, with UART0 on
// a pseudo-terminal. The first line on stdout is the pty's path (as `massagectl sim --pty` prints it).
//
//   massager-emu [--monitor] [--temp-dc N] [--eeprom FILE] [--verbose] massager.elf
//
// --monitor prints "<t_us> <event>" lines after the path (t_us: simulated microseconds since start):
// "off" (every output went off at t_us and stayed off longer than a PWM period), "on" (one came on), "slip N"
// (this process was stalled: the chip's clock fell N µs behind the wall clock and stays so), "duty c0,...,c15,heater" (percent over each 10 ms window, when
// changed), "rx"/"tx" (a frame's 0x00 reached the chip / left it), "reset" (the chip restarted). Commands on stdin, one a line:
// "temp N" (hold the plate at N tenths of °C), "temp model" (the plate follows the heater again),
// "button 1"/"button 0", "reset" (the reset pin), "hang" (jump into avr-libc's _exit: interrupts off and
// a loop forever, as a firmware bug would; the hardware watchdog must reset the chip), "stack" (answers "stack USED STATIC": the stack's
// high-water mark and the static RAM, in bytes), "time" (answers "time"). Stops on SIGINT or SIGTERM.
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <avr_eeprom.h>
#include <sim_elf.h>
#include <sim_time.h>

#include "emu.h"

#define MCU "atmega328p"
#define F_CPU 16000000
#define RAM_START 0x100
#define RAM_END 0x8FF
#define STACK_PAINT 0xC5 // board/uno.h
#define EEPROM_SIZE 1024
#define SLICE_US 1000    // how far the chip runs between looks at the pty and stdin
#define BOOT_US 50000    // the chip runs this long before the pty is announced
#define MAX_LAG_US 50000 // behind the wall clock by more than this, the chip's clock slips instead

struct emu E;
static volatile sig_atomic_t stopping;
static uint32_t ram_end_of_static; // the ELF's _end: static data ends, painted free RAM begins
static uint32_t hang_pc;           // the ELF's _exit: interrupts off, then a loop forever
static const char *eeprom_path;

// Simulated microseconds since the chip started.
uint64_t emu_usec(void)
{
    return avr_cycles_to_usec(E.avr, E.avr->cycle);
}

// "<t_us> <text>" on our stdout.
static void monitor_line(avr_cycle_count_t cycle, const char *fmt, va_list args)
{
    if (!E.monitor)
        return;
    fprintf(E.out, "%llu ", (unsigned long long)avr_cycles_to_usec(E.avr, cycle));
    vfprintf(E.out, fmt, args);
    fputc('\n', E.out);
}

// A monitor line stamped now.
void monitor(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    monitor_line(E.avr->cycle, fmt, args);
    va_end(args);
}

// A monitor line stamped at an earlier cycle.
void monitor_at(avr_cycle_count_t cycle, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    monitor_line(cycle, fmt, args);
    va_end(args);
}

// SIGINT / SIGTERM: finish the loop, save the EEPROM, exit 0.
static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

// The machine-wide monotonic clock, in nanoseconds.
static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

// The chip sleeps in simulated time only: pacing is ours.
static void no_sleep(avr_t *avr, avr_cycle_count_t how_long)
{
    (void)avr;
    (void)how_long;
}

// The deepest the stack has reached: the lowest byte above the static data no longer painted.
static void report_stack(void)
{
    uint32_t addr = ram_end_of_static;
    while (addr <= RAM_END && E.avr->data[addr] == STACK_PAINT)
        addr++;
    fprintf(E.out, "%llu stack %u %u\n", (unsigned long long)emu_usec(), RAM_END + 1 - addr,
            ram_end_of_static - RAM_START);
}

// The EEPROM as a file, so boot_count survives between runs (--eeprom).
static void eeprom_file(int save)
{
    uint8_t data[EEPROM_SIZE];
    avr_eeprom_desc_t desc = {data, 0, EEPROM_SIZE};
    if (!eeprom_path)
        return;
    FILE *f = fopen(eeprom_path, save ? "wb" : "rb");
    if (!f)
        return;
    if (save) {
        avr_ioctl(E.avr, AVR_IOCTL_EEPROM_GET, &desc);
        fwrite(desc.ee, 1, EEPROM_SIZE, f);
    } else if (fread(data, 1, EEPROM_SIZE, f) == EEPROM_SIZE) {
        avr_ioctl(E.avr, AVR_IOCTL_EEPROM_SET, &desc);
    }
    fclose(f);
}

// One command line from stdin.
static void command(char *line)
{
    char *arg = strchr(line, ' ');
    if (arg)
        *arg++ = 0;
    if (!strcmp(line, "temp") && arg) {
        if (!strcmp(arg, "model"))
            board_force_temp(0, 0);
        else
            board_force_temp(1, atof(arg));
    } else if (!strcmp(line, "button") && arg) {
        board_press(atoi(arg));
    } else if (!strcmp(line, "reset")) {
        avr_reset(E.avr);
    } else if (!strcmp(line, "hang") && hang_pc) {
        E.avr->pc = hang_pc; // as a firmware bug would: interrupts off, the main loop gone
    } else if (!strcmp(line, "stack")) {
        report_stack();
        return;
    } else if (!strcmp(line, "time")) {
        fprintf(E.out, "%llu time\n", (unsigned long long)emu_usec());
        return;
    } else {
        fprintf(E.out, "%llu error unknown command\n", (unsigned long long)emu_usec());
        return;
    }
    fprintf(E.out, "%llu ok %s\n", (unsigned long long)emu_usec(), line);
}

// Complete lines from stdin; stdin closing is not a reason to stop.
static void read_commands(int *open_fd)
{
    static char buf[256];
    static size_t len;
    ssize_t n = read(0, buf + len, sizeof buf - 1 - len);
    if (n <= 0) {
        *open_fd = 0;
        return;
    }
    len += (size_t)n;
    char *nl;
    while ((nl = memchr(buf, '\n', len))) {
        *nl = 0;
        command(buf);
        len -= (size_t)(nl + 1 - buf);
        memmove(buf, nl + 1, len);
    }
    if (len == sizeof buf - 1)
        len = 0; // an overlong line is dropped
}

// Load the firmware on a fresh chip; simavr's own chatter goes to stderr only with --verbose.
static int load(const char *elf, int verbose)
{
    elf_firmware_t f;
    memset(&f, 0, sizeof f);
    if (elf_read_firmware(elf, &f) != 0)
        return -1;
    E.avr = avr_make_mcu_by_name(MCU);
    if (!E.avr || avr_init(E.avr) != 0)
        return -1;
    f.frequency = F_CPU;
    f.vcc = f.avcc = f.aref = 5000;
    avr_load_firmware(E.avr, &f);
    E.avr->log = verbose ? LOG_WARNING : LOG_NONE;
    E.avr->sleep = no_sleep;
    for (uint32_t i = 0; i < f.symbolcount; i++)
        if (!strcmp(f.symbol[i]->symbol, "_end"))
            ram_end_of_static = f.symbol[i]->addr & 0xFFFF;
        else if (!strcmp(f.symbol[i]->symbol, "_exit"))
            hang_pc = f.symbol[i]->addr;
    return ram_end_of_static ? 0 : -1;
}

// Run the chip up to wall-clock time, serving the pty and stdin between slices.
static int run(void)
{
    int stdin_open = 1;
    uint64_t start_ns = mono_ns();
    avr_cycle_count_t start_cycle = E.avr->cycle;
    while (!stopping) {
        uint64_t elapsed = mono_ns() - start_ns;
        avr_cycle_count_t target = start_cycle + (avr_cycle_count_t)(elapsed / 1000 * (F_CPU / 1000000));
        avr_cycle_count_t max_lag = avr_usec_to_cycles(E.avr, MAX_LAG_US);
        if (target > E.avr->cycle + max_lag) { // this process was stalled: the chip's clock slips rather
            avr_cycle_count_t slip = target - E.avr->cycle - max_lag; // than racing through frames it
            start_cycle -= slip;                                       // has not been given yet
            target -= slip;
            monitor("slip %llu", (unsigned long long)avr_cycles_to_usec(E.avr, slip));
        }
        avr_cycle_count_t slice_end = E.avr->cycle + avr_usec_to_cycles(E.avr, SLICE_US);
        while (E.avr->cycle < target && E.avr->cycle < slice_end) {
            int state = avr_run(E.avr);
            if (state == cpu_Done || state == cpu_Crashed) {
                fprintf(stderr, "massager-emu: the simulated chip stopped (state %d)\n", state);
                return 1;
            }
        }
        bridge_flush();
        fflush(E.out);
        struct pollfd fds[2] = {{E.master, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
        int wait_ms = E.avr->cycle < target ? 0 : 1;
        if (poll(fds, 2, wait_ms) > 0) {
            if (fds[0].revents & POLLIN)
                bridge_read();
            if (fds[1].revents & (POLLIN | POLLHUP))
                read_commands(&stdin_open);
        }
    }
    return 0;
}

// Options, the chip, the pty, the board; the path on the first line; then run until a signal.
int main(int argc, char **argv)
{
    int verbose = 0, i;
    double start_dC = 250.0;
    for (i = 1; i < argc - 1; i++) {
        if (!strcmp(argv[i], "--monitor"))
            E.monitor = 1;
        else if (!strcmp(argv[i], "--verbose"))
            verbose = 1;
        else if (!strcmp(argv[i], "--temp-dc") && i + 1 < argc - 1)
            start_dC = atof(argv[++i]);
        else if (!strcmp(argv[i], "--eeprom") && i + 1 < argc - 1)
            eeprom_path = argv[++i];
        else
            break;
    }
    if (i != argc - 1 || argv[i][0] == '-') {
        fprintf(stderr, "usage: massager-emu [--monitor] [--temp-dc N] [--eeprom FILE] [--verbose] "
                        "massager.elf\n");
        return 2;
    }
    E.out = fdopen(dup(1), "w"); // simavr prints to stdout: only our lines go to the real one
    int quiet = open(verbose ? "/dev/stderr" : "/dev/null", O_WRONLY);
    dup2(quiet, 1);
    close(quiet);
    if (load(argv[i], verbose) != 0) {
        fprintf(stderr, "massager-emu: cannot load %s as an ATmega328P firmware\n", argv[i]);
        return 1;
    }
    if (bridge_open() != 0) {
        fprintf(stderr, "massager-emu: cannot open a pseudo-terminal: %s\n", strerror(errno));
        return 1;
    }
    eeprom_file(0);
    bridge_attach();
    board_attach(start_dC);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    int wanted = E.monitor;
    E.monitor = 0;
    while (E.avr->cycle < avr_usec_to_cycles(E.avr, BOOT_US)) // powered up before anyone connects
        avr_run(E.avr);
    E.monitor = wanted;
    fprintf(E.out, "%s\n", E.path);
    fflush(E.out);
    int code = run();
    eeprom_file(1);
    fflush(E.out);
    return code;
}
