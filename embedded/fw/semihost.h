/* ARM semihosting over BKPT 0xAB (QEMU: -semihosting-config enable=on).
 * Just enough to print and to exit with a status; no libc behind it. */
#ifndef FW_SEMIHOST_H
#define FW_SEMIHOST_H
#include <stdint.h>

static inline uint32_t sh_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static inline void sh_puts(const char *s) { sh_call(0x04 /* SYS_WRITE0 */, s); }

/* SYS_EXIT_EXTENDED passes the whole status on 32-bit ARM; plain SYS_EXIT
 * there can only say "ok" or "error", so it is the fallback. */
static inline __attribute__((noreturn)) void sh_exit(uint32_t status)
{
    const uint32_t block[2] = {0x20026u /* ADP_Stopped_ApplicationExit */, status};
    sh_call(0x20 /* SYS_EXIT_EXTENDED */, block);
    sh_call(0x18 /* SYS_EXIT */, (const void *)(uintptr_t)(status ? 0x20024u : 0x20026u));
    for (;;) {
    }
}
#endif
