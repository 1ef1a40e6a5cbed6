// The Arduino Uno board layer: the only file that touches AVR registers. UART0 with an RX interrupt that
// appends one byte to a fixed buffer, a 1 kHz timer that counts milliseconds and runs the software PWM
// of the zones through two 74HC595 shift registers (bit-banged on the SPI pins), the heater pin, the thermistor ADC, the stop button,
// the boot counter in EEPROM, the reset cause, and the hardware watchdog that resets a hung loop into
// the safe state (every output off).
#include "uno.h"

#include <avr/eeprom.h>
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <avr/wdt.h>
#include <string.h>
#include <util/atomic.h>
// 115200 from 16 MHz is 2.1 % fast (117647); the Uno's USB chip divides its 16 MHz the same way.
#define BAUD_TOL 3
#include <util/setbaud.h>

#include "../core/board.h"
#include "../core/buffers.h"
#include "../core/core.h"
#include "../core/drive.h"
#include "../core/profile.h"
#include "../core/proto.h"

// Zone (ZONE_INFO index) -> 74HC595 output: bits 0-7 the first register's Q0-Q7, bits 8-15 the second's.
// The one table to change when the wiring changes.
static const uint8_t zone_output[PROFILE_ZONE_COUNT] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

#define BOOT_COUNT_EEPROM ((uint16_t *)0) // a fixed address: an erased EEPROM reads 0xFFFF, so the first boot is 0

static uint8_t rx_buf[RX_BUFFER_SIZE];
static volatile uint8_t rx_pos;
static uint8_t tx_buf[TX_BUFFER_SIZE];
static volatile uint8_t tx_pos, tx_max;
static volatile uint8_t pwm_duty[PROFILE_ZONE_COUNT];
static uint16_t pwm_mask[PROFILE_ZONE_COUNT];
static volatile uint32_t millis;
static volatile uint8_t wake;
static uint8_t reset_flags __attribute__((section(".noinit")));

// Before anything else (even .data): keep why we started, and stop a watchdog left running by a
// watchdog reset. Optiboot clears MCUSR and hands its value over in r2.
void save_reset_flags(void) __attribute__((naked, used, section(".init3")));
void save_reset_flags(void)
{
    uint8_t from_bootloader;
    __asm__ volatile("mov %0, r2" : "=r"(from_bootloader));
    reset_flags = MCUSR ? MCUSR : from_bootloader;
    MCUSR = 0;
    wdt_disable();
}

// Paint the free RAM between the static data and the stack top, so the stack's high-water mark can be
// read back (the emulator does, firmware/README.md). Runs before the stack is used.
void paint_stack(void) __attribute__((naked, used, section(".init1")));
void paint_stack(void)
{
    __asm__ volatile("ldi r30, lo8(_end)\n\t"
                     "ldi r31, hi8(_end)\n\t"
                     "ldi r24, %0\n\t"
                     "ldi r25, hi8(%1)\n\t"
                     "1: st Z+, r24\n\t"
                     "cpi r30, lo8(%1)\n\t"
                     "cpc r31, r25\n\t"
                     "brlo 1b\n\t" ::"M"(STACK_PAINT),
                     "i"(RAMEND)
                     : "r24", "r25", "r30", "r31");
}

// §3.2 reset_cause from MCUSR: power-on, brown-out, or any other reset (watchdog, reset pin).
static uint8_t reset_cause(void)
{
    if (reset_flags & _BV(PORF))
        return RESET_POWER_ON;
    if (reset_flags & _BV(BORF))
        return RESET_BROWN_OUT;
    return RESET_WATCHDOG;
}

// Shift 16 output bits into the two 74HC595s, most significant first, and latch them. Bit-banged
// (about 150 cycles): no wait on the SPI hardware inside the timer interrupt.
static void shift_out(uint16_t bits)
{
    for (uint8_t i = 0; i < 16; i++) {
        if (bits & 0x8000)
            PORTB |= _BV(PIN_DATA);
        else
            PORTB &= (uint8_t)~_BV(PIN_DATA);
        PORTB |= _BV(PIN_CLOCK);
        PORTB &= (uint8_t)~_BV(PIN_CLOCK);
        bits = (uint16_t)(bits << 1);
    }
    PORTB |= _BV(PIN_LATCH);
    PORTB &= (uint8_t)~_BV(PIN_LATCH);
}

// Every output off first: heater low, shift registers cleared and latched, then their outputs enabled.
static void outputs_init(void)
{
    PORTB &= (uint8_t)~(_BV(PIN_HEATER) | _BV(PIN_LATCH) | _BV(PIN_DATA) | _BV(PIN_CLOCK));
    PORTB |= _BV(PIN_OUTPUT_ENABLE);
    DDRB |= _BV(PIN_HEATER) | _BV(PIN_OUTPUT_ENABLE) | _BV(PIN_LATCH) | _BV(PIN_DATA) | _BV(PIN_CLOCK);
    shift_out(0);
    PORTB &= (uint8_t)~_BV(PIN_OUTPUT_ENABLE);
    for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++)
        pwm_mask[i] = (uint16_t)(1u << zone_output[i]);
}

// 1 kHz: count the millisecond and step the software PWM (period DRIVE_STEPS ms, 100 Hz). Done here
// rather than in the loop so the outputs keep an even beat while the loop handles a frame.
ISR(TIMER0_COMPA_vect)
{
    static uint8_t phase;
    millis++;
    if (++phase >= DRIVE_STEPS)
        phase = 0;
    uint16_t bits = 0;
    for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++)
        if (pwm_duty[i] > phase)
            bits |= pwm_mask[i];
    shift_out(bits);
    wake = 1;
}

// Timer0 in CTC mode: 16 MHz / 64 / 250 = 1 kHz.
static void timer_init(void)
{
    TCCR0A = _BV(WGM01);
    TCCR0B = _BV(CS01) | _BV(CS00);
    OCR0A = 249;
    TIMSK0 = _BV(OCIE0A);
}

// Milliseconds since start-up (wraps after 49 days; the core compares times wrap-safely).
static uint32_t now_ms(void)
{
    uint32_t t;
    ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
    {
        t = millis;
    }
    return t;
}

// A received byte: append it, or drop it when the buffer is full (the CRC will force a retransmit).
ISR(USART_RX_vect)
{
    uint8_t data = UDR0;
    uint8_t pos = rx_pos;
    if (pos < sizeof rx_buf) {
        rx_buf[pos] = data;
        rx_pos = (uint8_t)(pos + 1);
    }
    wake = 1;
}

// The transmitter can take a byte: send the next one, or stop asking when none is left.
ISR(USART_UDRE_vect)
{
    uint8_t pos = tx_pos;
    if (pos >= tx_max) {
        UCSR0B &= (uint8_t)~_BV(UDRIE0);
        return;
    }
    UDR0 = tx_buf[pos];
    tx_pos = (uint8_t)(pos + 1);
}

// 8N1 at BAUD, receive interrupt on; the transmit interrupt runs while there is something to send.
static void uart_init(void)
{
#if USE_2X
    UCSR0A = _BV(U2X0); // before the rate: simavr works the byte time out when UBRR0L is written
#else
    UCSR0A = 0;
#endif
    UBRR0H = UBRRH_VALUE;
    UBRR0L = UBRRL_VALUE;
    UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);
    UCSR0B = _BV(RXEN0) | _BV(TXEN0) | _BV(RXCIE0);
}

// The bytes received so far, from the front of the buffer.
uint8_t *console_get_input(uint8_t *len)
{
    *len = rx_pos;
    return rx_buf;
}

// Move the unconsumed bytes down; if the RX interrupt added one meanwhile, move again.
void console_pop_input(uint8_t len)
{
    uint8_t moved = 0;
    for (;;) {
        uint8_t pos = rx_pos;
        uint8_t keep = (uint8_t)(pos - len);
        if (keep > moved) {
            memmove(rx_buf + moved, rx_buf + moved + len, (uint8_t)(keep - moved));
            moved = keep;
        }
        cli();
        if (pos == rx_pos) {
            rx_pos = keep;
            sei();
            return;
        }
        sei();
    }
}

// Contiguous room at the end of the transmit buffer, moving unsent bytes to the front when that helps.
uint8_t *console_get_output(uint8_t len)
{
    uint8_t pos = tx_pos, max = tx_max;
    if (pos >= max) { // all sent: start from the front
        tx_max = 0;
        tx_pos = 0;
        pos = max = 0;
    }
    if ((uint16_t)max + len <= sizeof tx_buf)
        return tx_buf + max;
    if ((uint16_t)(max - pos) + len > sizeof tx_buf)
        return 0;
    tx_max = 0; // the UDRE interrupt now sees nothing to send and stops
    pos = tx_pos;
    max = (uint8_t)(max - pos);
    memmove(tx_buf, tx_buf + pos, max);
    tx_pos = 0;
    tx_max = max;
    UCSR0B |= _BV(UDRIE0);
    return (uint16_t)max + len <= sizeof tx_buf ? tx_buf + max : 0;
}

// Commit `len` bytes written at console_get_output's pointer and start the transmitter.
void console_push_output(uint8_t len)
{
    tx_max = (uint8_t)(tx_max + len);
    UCSR0B |= _BV(UDRIE0);
}

// The PWM interrupt picks the duties up on its next tick, but a stop does not wait for it: when every
// duty falls to 0 the registers are cleared at once (interrupts held off for the ~10 µs it takes).
void board_set_outputs(const uint8_t *duty, uint8_t heater_on)
{
    static uint8_t was_driving;
    uint8_t driving = 0;
    for (uint8_t i = 0; i < PROFILE_ZONE_COUNT; i++) {
        pwm_duty[i] = duty[i];
        driving |= duty[i];
    }
    if (was_driving && !driving)
        ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
        {
            shift_out(0);
        }
    was_driving = driving;
    if (heater_on)
        PORTB |= _BV(PIN_HEATER);
    else
        PORTB &= (uint8_t)~_BV(PIN_HEATER);
}

// One conversion against AVCC, 125 kHz ADC clock (about 0.1 ms).
uint16_t board_read_thermistor(void)
{
    ADCSRA |= _BV(ADSC);
    while (ADCSRA & _BV(ADSC))
        ;
    return ADC;
}

// The stop button pulls D2 to GND.
uint8_t board_stop_button(void)
{
    return !(PIND & _BV(PIN_STOP_BUTTON));
}

// The reference board has no drive-fault sense: no zone is ever stuck.
uint8_t board_zone_stuck(uint8_t index)
{
    (void)index;
    return 0;
}

// ADC on channel 0 with AVCC reference; the stop button input with its pull-up.
static void inputs_init(void)
{
    ADMUX = _BV(REFS0) | THERMISTOR_ADC_CHANNEL;
    ADCSRA = _BV(ADEN) | _BV(ADPS2) | _BV(ADPS1) | _BV(ADPS0);
    DIDR0 = _BV(ADC0D);
    DDRD &= (uint8_t)~_BV(PIN_STOP_BUTTON);
    PORTD |= _BV(PIN_STOP_BUTTON);
}

// §6.6: boot_count + 1, wrapping, kept in EEPROM.
static uint16_t count_boot(void)
{
    uint16_t count = (uint16_t)(eeprom_read_word(BOOT_COUNT_EEPROM) + 1);
    eeprom_update_word(BOOT_COUNT_EEPROM, count);
    return count;
}

// Sleep until the next interrupt unless one came since the last pass.
static void idle(void)
{
    cli();
    if (!wake) {
        sleep_enable();
        sei();
        sleep_cpu();
        sleep_disable();
    }
    wake = 0;
    sei();
}

// Everything off first, then the core; the loop polls it and sleeps until the next interrupt,
// resetting the hardware watchdog on every pass.
int main(void)
{
    outputs_init();
    inputs_init();
    timer_init();
    uart_init();
    core_init(count_boot(), reset_cause(), 0);
    set_sleep_mode(SLEEP_MODE_IDLE);
    wdt_enable(WDTO_60MS);
    sei();
    for (;;) {
        wdt_reset();
        core_poll(now_ms());
        idle();
    }
}
