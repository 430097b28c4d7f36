// Unit tests for the command lines' shared pieces (cli.h): the shard reader.
#include <stdint.h>
#include "check.h"
#include "cli.h"

static void test_shards_are_k_of_n(void) {
    int64_t k = -7, n = -7;
    CHECK(cli_parse_shard("0/1", &k, &n) == 0 && k == 0 && n == 1);
    CHECK(cli_parse_shard("2/3", &k, &n) == 0 && k == 2 && n == 3);
    CHECK(cli_parse_shard("9223372036854775806/9223372036854775807", &k, &n) == 0 && k == INT64_MAX - 1);
    const char *bad[] = {"", "3", "/3", "3/", "3/3", "4/3", "-1/3", "1/0", "x/3", "1/x", "1/3 ", "1 /3", "1/3/5",
                         "0/9223372036854775808", "123456789012345678901234567890123/1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        k = n = -7;
        CHECK(cli_parse_shard(bad[i], &k, &n) == -1 && k == -7 && n == -7);   // untouched on failure
    }
}

int main(void) {
    RUN(test_shards_are_k_of_n);
    return CHECK_SUMMARY();
}
