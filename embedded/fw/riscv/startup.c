/* Reset and trap handling for the RISC-V test firmware (QEMU `virt`,
 * -bios none, machine mode): gp and sp, a trap vector, .data and .bss
 * set-up, then main's result as the semihosting exit status. The same job
 * as ../startup.c does for Cortex-M. */
#include <stdint.h>
#include "semihost.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss;
int main(void);
void fw_reset(void);
void fw_trap(void);

/* The reset ROM jumps here (link.ld puts .text.start at 0x80000000). gp is
 * loaded with relaxation off, or the assembler would make it gp-relative
 * to itself. Nothing above _estack is used: sp starts at the top of the
 * painted region, as on Cortex-M. */
__attribute__((naked, section(".text.start"), used)) void _start(void)
{
    __asm__ volatile(".option push\n\t"
                     ".option norelax\n\t"
                     "la gp, __global_pointer$\n\t"
                     ".option pop\n\t"
                     "la sp, _estack\n\t"
                     "la t0, fw_trap\n\t"
                     "csrw mtvec, t0\n\t" /* direct mode: fw_trap is 4-byte aligned */
                     "j fw_reset");
}

void fw_reset(void)
{
    uint32_t *src = &_sidata, *dst = &_sdata;
    while (dst < &_edata)
        *dst++ = *src++;
    for (dst = &_sbss; dst < &_ebss;)
        *dst++ = 0;
    sh_exit((uint32_t)main());
}

static void put_hex(uint32_t v)
{
    char buf[11] = "0x";
    for (int i = 0; i < 8; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xF];
    buf[10] = 0;
    sh_puts(buf);
}

/* Any exception (illegal instruction, misaligned or faulting access, an
 * ebreak that is not a semihosting call) or interrupt. Exit status 250:
 * distinct from any failure count main can return. It runs on whatever
 * stack is left, and never returns. */
static __attribute__((used, noreturn)) void fw_fault(void)
{
    uint32_t cause, epc, tval;
    __asm__ volatile("csrr %0, mcause" : "=r"(cause));
    __asm__ volatile("csrr %0, mepc" : "=r"(epc));
    __asm__ volatile("csrr %0, mtval" : "=r"(tval));
    sh_puts("FAULT: unexpected exception, mcause ");
    put_hex(cause);
    sh_puts(" mepc ");
    put_hex(epc);
    sh_puts(" mtval ");
    put_hex(tval);
    sh_puts("\n");
    sh_exit(250);
}

/* mtvec target: a fresh stack (the fault may come from a broken sp), then
 * the C handler. A fault inside the handler (say, semihosting is off, so
 * its ebreak traps too) cannot print: it stops QEMU through the `virt`
 * board's test finisher instead (0x100000: FAIL 0x3333, status << 16). */
__attribute__((naked, aligned(4))) void fw_trap(void)
{
    __asm__ volatile("csrrwi t0, mscratch, 1\n\t" /* mscratch: 0 at reset, 1 once faulting */
                     "bnez t0, 1f\n\t"
                     "la sp, _estack\n\t"
                     "j fw_fault\n"
                     "1:\n\t"
                     "li t0, 0x100000\n\t"
                     "li t1, (250 << 16) | 0x3333\n\t"
                     "sw t1, 0(t0)\n"
                     "2:\n\t"
                     "j 2b");
}
