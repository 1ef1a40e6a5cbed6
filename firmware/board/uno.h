// Arduino Uno / Nano (ATmega328P at 16 MHz): which pin does what. firmware/README.md has the wiring.
#ifndef UNO_H
#define UNO_H

// Port B: D8 heater MOSFET gate (high = on, 10 kΩ pull-down), D9 74HC595 /OE (low = outputs enabled,
// 10 kΩ pull-up, so a chip in reset disables them), D10 latch (RCLK), D11 data (SER), D13 clock (SRCLK).
#define PIN_HEATER PB0
#define PIN_OUTPUT_ENABLE PB1
#define PIN_LATCH PB2
#define PIN_DATA PB3
#define PIN_CLOCK PB5
// Port D: D2 the stop button to GND (internal pull-up; pressed reads low).
#define PIN_STOP_BUTTON PD2
// ADC channel 0 (A0): the thermistor divider.
#define THERMISTOR_ADC_CHANNEL 0

// Painted into free RAM at start-up; the emulator reads how much of it the stack overwrote.
#define STACK_PAINT 0xC5

#endif
