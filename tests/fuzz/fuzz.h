/*
 * fuzz.h: the libFuzzer entry point every target defines. Built with clang
 * and -fsanitize=fuzzer they are fuzzers; built with replay.c instead they
 * replay their committed corpus under the regular ASan/UBSan test build.
 */
#ifndef STRATA_FUZZ_H
#define STRATA_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run with a message: a property the target checks did not hold. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
