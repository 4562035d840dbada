# gdb's side of kvm/debuggee.S (tests/kvm_nested.rs runs it with gdb inside
# the nested riscv64 host, against heron --accel kvm --gdb; the caller
# connects first, `-ex "target remote ADDR"`; tests/gdb.rs runs it on the
# interpreter).
# Every result is a "kvm-gdb:" line; the run ends with the program's exit
# code written by gdb (42). 0x1f80000000 is the program's ALIAS_OFFSET:
# the alias view of RAM, readable only through the guest's page tables.
# Breakpoints are at exact addresses (*bump): without debug info gdb would
# skip what it takes for a prologue.
set pagination off
set confirm off
set style enabled off
break *bump
continue
printf "kvm-gdb: at-bump=%d\n", (long)$pc == (long)&bump
continue
continue
printf "kvm-gdb: alias-counter=%d\n", *(long *)((long)&counter + 0x1f80000000)
printf "kvm-gdb: loop-s6=%d\n", $s6
stepi
printf "kvm-gdb: stepped=%d\n", (long)$pc == (long)&bump + 4
delete
break *done
continue
printf "kvm-gdb: at-done=%d ebreaks=%d\n", (long)$pc == (long)&done, *(long *)&ebreaks
set var *(long *)((long)&exit_code + 0x1f80000000) = 42
continue
