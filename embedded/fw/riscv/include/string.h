/* The few <string.h> declarations sigv4rs.h and GCC need, for a RISC-V
 * toolchain without a libc (Debian's gcc-riscv64-unknown-elf ships none).
 * The definitions are the weak ones compiler_builtins puts in the
 * library's archive (built with compiler-builtins-mem). */
#ifndef FW_RISCV_STRING_H
#define FW_RISCV_STRING_H
#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
#endif
