/* Semihosting (QEMU: -semihosting-config enable=on): ARM's BKPT 0xAB, or
 * RISC-V's ebreak between two marker instructions. Both use the same call
 * numbers and argument blocks. Just enough to print and to exit with a
 * status; no libc behind it. */
#ifndef FW_SEMIHOST_H
#define FW_SEMIHOST_H
#include <stdint.h>

#if defined(__riscv)
/* The RISC-V semihosting sequence: a0 = op, a1 = arg, result in a0. The
 * debugger (QEMU) recognises the ebreak only between these two no-op
 * shifts, all three uncompressed (norvc, even in rv32imc code) and on one
 * page: the function starts 16-byte aligned, so its 12 bytes never cross
 * one. Naked: the body is exactly the sequence and a ret. */
__attribute__((naked, noinline, aligned(16))) static uint32_t sh_trap(uint32_t op, const void *arg)
{
    (void)op;
    (void)arg;
    __asm__ volatile(".option push\n\t"
                     ".option norvc\n\t"
                     "slli x0, x0, 0x1f\n\t"
                     "ebreak\n\t"
                     "srai x0, x0, 7\n\t"
                     ".option pop\n\t"
                     "ret");
}

static inline uint32_t sh_call(uint32_t op, const void *arg)
{
    /* A call like any other: a0-a7, t0-t6 and ra are the caller's to save.
     * The "memory" effect (QEMU reads the argument block and the string)
     * is covered because sh_trap is an opaque noinline call. */
    return sh_trap(op, arg);
}
#else
static inline uint32_t sh_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
#endif

static inline void sh_puts(const char *s) { sh_call(0x04 /* SYS_WRITE0 */, s); }

/* SYS_EXIT_EXTENDED passes the whole status on 32-bit ARM and on RV32;
 * plain SYS_EXIT there takes the reason code itself (not a block: QEMU
 * reads a {reason, subcode} block for SYS_EXIT only on 64-bit targets), so
 * it can only say "ok" or "error", and it is the fallback. */
static inline __attribute__((noreturn)) void sh_exit(uint32_t status)
{
    const uint32_t block[2] = {0x20026u /* ADP_Stopped_ApplicationExit */, status};
    sh_call(0x20 /* SYS_EXIT_EXTENDED */, block);
    sh_call(0x18 /* SYS_EXIT */, (const void *)(uintptr_t)(status ? 0x20024u : 0x20026u));
    for (;;) {
    }
}
#endif
