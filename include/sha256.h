// sha256.h: FIPS 180-4 SHA-256, for the spec hash that --resume and merge check.
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>

// hex_out receives 64 lowercase hex digits and a NUL.
void sha256_hex(const void *data, size_t n, char hex_out[65]);

#endif
