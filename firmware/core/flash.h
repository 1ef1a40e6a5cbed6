// Constant tables live in flash on the AVR (2 KB of RAM is precious) and in plain memory on the host.
#ifndef FLASH_H
#define FLASH_H

#include <stdint.h>

#ifdef __AVR__
#include <avr/pgmspace.h>
#define FLASH_DATA PROGMEM
#define flash_u8(p) pgm_read_byte(p)
#define flash_u16(p) pgm_read_word(p)
#else
#define FLASH_DATA
#define flash_u8(p) (*(const uint8_t *)(p))
#define flash_u16(p) (*(const uint16_t *)(p))
#endif

#endif
