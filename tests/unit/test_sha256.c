// test_sha256.c: the FIPS 180-4 test vectors, and the padding boundaries.
#include "check.h"
#include "sha256.h"

static void known_vectors(void) {
    char hex[65];
    sha256_hex("", 0, hex);
    CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
    sha256_hex("abc", 3, hex);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";  // 56 bytes: padding spills
    sha256_hex(two, strlen(two), hex);
    CHECK(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0);
}

static void a_million_a(void) {
    static char buf[1000000];
    memset(buf, 'a', sizeof buf);
    char hex[65];
    sha256_hex(buf, sizeof buf, hex);
    CHECK(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
}

int main(void) {
    RUN(known_vectors);
    RUN(a_million_a);
    return CHECK_SUMMARY();
}
