//! heron's JIT tier: hot guest blocks translated to host code with
//! Cranelift.
//!
//! The interpreter stays in charge (`heron_cpu::tier`): it counts block
//! executions and hands a hot block's decoded ops to [`Jit`], which
//! returns host code for the whole block or declines it. The code keeps
//! guest registers in Cranelift variables, inlines the soft-TLB hit path
//! for loads and stores (index, tag compare, addend — the contract in
//! `mmu::tlb`), calls the interpreter's slow paths on a miss, and leaves
//! through one exit that writes back the registers, `pc` and `instret` —
//! so a fault in the middle of a block leaves the state exactly as the
//! interpreter would.
//!
//! Emitted inline: RV64I, M, Zba, Zbb (but `orc.b`), Zbs, Zicond, `fence`
//! and `fence.i`; F/D loads and stores and double-precision add, sub,
//! mul, div and the fused multiply-adds where the outcome is certain
//! (`emit::fp`: FS dirty, round to nearest even, inexact already accrued,
//! finite operands and a normal result — else the executor). Everything
//! else (the rest of F/D, A, CSR and system instructions) is a call to the
//! interpreter's executor for that op (`heron_cpu::tier::helpers::exec`),
//! so any block can be translated. A block that ends in a plain jump or
//! fall-through tail-calls its successor when the jump cache holds its
//! translation (`emit::Emitter::chain`).

mod alu;
mod emit;

use cranelift_codegen::ir::{types, AbiParam, InstBuilder, Signature};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, FuncId, Linkage, Module};
use heron_cpu::tier::{helpers, NativeBlock, NativeEntry, TierStats, Translator, Unit};
use std::ptr::NonNull;

/// Code memory one generation may use before the JIT starts afresh.
pub const CODE_LIMIT: usize = 64 << 20;

/// Why the JIT cannot run on this host.
#[derive(Debug, thiserror::Error)]
pub enum JitError {
    /// Cranelift has no backend for the host.
    #[error("the JIT does not support this host: {0}")]
    UnsupportedHost(String),
    /// The host ISA rejected the settings.
    #[error("cannot set up Cranelift: {0}")]
    Settings(String),
}

/// Whether Cranelift can generate code for the host (`--accel auto`).
pub fn host_supported() -> bool {
    cranelift_native::builder().is_ok()
}

/// One hart's translator: a Cranelift JIT module and its bookkeeping.
pub struct Jit {
    isa: OwnedTargetIsa,
    target: emit::Target,
    module: Option<JITModule>,
    /// The helpers as the current module imports them: load, store, exec.
    helper_ids: [FuncId; 3],
    /// The trampoline the interpreter enters blocks through, in a module
    /// of its own that outlives every code generation.
    entry_module: Option<JITModule>,
    entry: NativeEntry,
    ctx: Context,
    builder_ctx: FunctionBuilderContext,
    /// Bytes of code in the current generation.
    code_bytes: usize,
    /// Blocks translated and declined, their instructions, the time it
    /// took (`--stats`).
    translated: u64,
    declined: u64,
    insns: u64,
    compile_ns: u64,
    resets: u64,
}

impl Jit {
    /// A translator for the host's ISA.
    pub fn new() -> Result<Jit, JitError> {
        let mut flags = settings::builder();
        let set = |flags: &mut settings::Builder, k: &str, v: &str| {
            flags
                .set(k, v)
                .map_err(|e| JitError::Settings(format!("{k}={v}: {e}")))
        };
        set(&mut flags, "opt_level", "speed")?;
        // Blocks tail-call their successors; Cranelift's tail calls need
        // frame pointers.
        set(&mut flags, "preserve_frame_pointers", "true")?;
        // The IR verifier took 45 % of compile time on the Linux boot
        // (6.5 s of 22.5 s there); debug builds keep it.
        let verify = if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        };
        set(&mut flags, "enable_verifier", verify)?;
        set(&mut flags, "is_pic", "false")?;
        set(&mut flags, "use_colocated_libcalls", "false")?;
        let isa = cranelift_native::builder()
            .map_err(|e| JitError::UnsupportedHost(e.to_string()))?
            .finish(settings::Flags::new(flags))
            .map_err(|e| JitError::Settings(e.to_string()))?;
        let target = emit::Target::new(isa.default_call_conv(), isa.frontend_config());
        let (module, helper_ids) = code_module(&isa, &target)?;
        let (entry_module, entry) = build_entry(&isa)?;
        Ok(Jit {
            entry_module: Some(entry_module),
            entry,
            target,
            helper_ids,
            isa,
            ctx: module.make_context(),
            module: Some(module),
            builder_ctx: FunctionBuilderContext::new(),
            code_bytes: 0,
            translated: 0,
            declined: 0,
            insns: 0,
            compile_ns: 0,
            resets: 0,
        })
    }

    fn compile(&mut self, unit: &Unit) -> Option<NonNull<u8>> {
        let sig = emit::block_signature();
        let module = self.module.as_mut()?;
        self.ctx.func.signature = sig;
        let [load, store, exec] = self
            .helper_ids
            .map(|id| module.declare_func_in_func(id, &mut self.ctx.func));
        let helpers = emit::Helpers { load, store, exec };
        if !emit::build(
            &mut self.ctx.func,
            &mut self.builder_ctx,
            unit,
            &self.target,
            helpers,
        ) {
            module.clear_context(&mut self.ctx);
            return None;
        }
        let id = module
            .declare_anonymous_function(&self.ctx.func.signature)
            .ok()?;
        // RUST_LOG=heron_jit=trace shows each unit's register-allocated
        // host code (Cranelift's VCode listing), for reading code quality.
        let listing = log::log_enabled!(log::Level::Trace);
        self.ctx.set_disasm(listing);
        let defined = module.define_function(id, &mut self.ctx);
        let compiled = self.ctx.compiled_code();
        let size = compiled.map_or(0, |c| c.code_buffer().len());
        if let Some(vcode) = compiled.and_then(|c| c.vcode.as_deref()) {
            log::trace!(
                "jit: unit at {:#x} of {} blocks, {} instructions:\n{vcode}",
                unit.page + unit.blocks[0].offset,
                unit.blocks.len(),
                unit.insns()
            );
        }
        module.clear_context(&mut self.ctx);
        if let Err(e) = defined {
            log::warn!("jit: Cranelift rejected a block: {e}");
            return None;
        }
        module.finalize_definitions().ok()?;
        self.code_bytes += size;
        NonNull::new(module.get_finalized_function(id) as *mut u8)
    }
}

/// A module for translated code, with the helpers (load, store, exec)
/// declared as imports (direct calls: a helper's address is no value of
/// the function, which Cranelift would hoist out of loops and keep on the
/// stack).
fn code_module(
    isa: &OwnedTargetIsa,
    target: &emit::Target,
) -> Result<(JITModule, [FuncId; 3]), JitError> {
    let imports: [(&str, *const u8); 3] = [
        ("heron_load", helpers::load as *const u8),
        ("heron_store", helpers::store as *const u8),
        ("heron_exec", helpers::exec as *const u8),
    ];
    let mut builder = JITBuilder::with_isa(isa.clone(), default_libcall_names());
    for (name, address) in imports {
        builder.symbol(name, address);
    }
    let mut module = JITModule::new(builder);
    let mut ids = [FuncId::from_u32(0); 3];
    for ((id, (name, _)), sig) in ids.iter_mut().zip(imports).zip(target.helper_signatures()) {
        *id = module
            .declare_function(name, Linkage::Import, sig)
            .map_err(|e| JitError::Settings(format!("helper {name}: {e}")))?;
    }
    Ok((module, ids))
}

/// Compiles the trampoline `(hart, bus, code) -> exit code` in the host's
/// C convention, which calls `code` (a block, `tail` convention) with
/// `(hart, bus)`: how the interpreter enters translated code.
fn build_entry(isa: &OwnedTargetIsa) -> Result<(JITModule, NativeEntry), JitError> {
    let fail = |e: &dyn std::fmt::Display| JitError::Settings(format!("entry trampoline: {e}"));
    let mut module = JITModule::new(JITBuilder::with_isa(isa.clone(), default_libcall_names()));
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params
        .extend([types::I64, types::I64, types::I64].map(AbiParam::new));
    sig.returns.push(AbiParam::new(types::I32));
    let mut ctx = module.make_context();
    ctx.func.signature = sig;
    let mut fbc = FunctionBuilderContext::new();
    {
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut fbc);
        let block_sig = b.import_signature(emit::block_signature());
        let start = b.create_block();
        b.append_block_params_for_function_params(start);
        b.switch_to_block(start);
        let p = b.block_params(start).to_vec();
        let call = b.ins().call_indirect(block_sig, p[2], &[p[0], p[1]]);
        let code = b.inst_results(call)[0];
        b.ins().return_(&[code]);
        b.seal_all_blocks();
        b.finalize(isa.frontend_config());
    }
    let id = module
        .declare_anonymous_function(&ctx.func.signature)
        .map_err(|e| fail(&e))?;
    module.define_function(id, &mut ctx).map_err(|e| fail(&e))?;
    module.finalize_definitions().map_err(|e| fail(&e))?;
    let code = module.get_finalized_function(id);
    // SAFETY: `code` is the function just defined with the signature
    // `(i64, i64, i64) -> i32` in the ISA's default (C) convention, which
    // is `NativeEntry`'s ABI (pointers are i64 on every 64-bit host
    // Cranelift supports).
    let entry = unsafe { std::mem::transmute::<*const u8, NativeEntry>(code) };
    Ok((module, entry))
}

impl Translator for Jit {
    fn stats(&self) -> TierStats {
        TierStats {
            translated: self.translated,
            declined: self.declined,
            insns: self.insns,
            compile_ns: self.compile_ns,
            code_bytes: self.code_bytes as u64,
            resets: self.resets,
            native_insns: 0,
            checked: 0,
            unchecked: 0,
        }
    }

    fn entry(&self) -> NativeEntry {
        self.entry
    }

    fn translate(&mut self, unit: &Unit) -> Option<NativeBlock> {
        let started = std::time::Instant::now();
        let f = self.compile(unit);
        self.compile_ns += started.elapsed().as_nanos() as u64;
        match f {
            Some(_) => {
                self.translated += 1;
                self.insns += unit.insns() as u64;
            }
            None => self.declined += 1,
        }
        // SAFETY: `emit::build` generates code that honours the contract
        // of `heron_cpu::tier` (offsets, helpers, exit codes, the state at
        // each exit), and the module keeps it mapped until `reset`, which
        // the interpreter calls only after dropping every native block.
        f.map(|f| unsafe { NativeBlock::new(f) })
    }

    fn take_reset(&mut self) -> bool {
        self.code_bytes >= CODE_LIMIT
    }

    fn reset(&mut self) {
        log::info!(
            "jit: new code generation after {} KiB ({} blocks translated, {} declined)",
            self.code_bytes >> 10,
            self.translated,
            self.declined
        );
        if let Some(old) = self.module.take() {
            // SAFETY: the interpreter dropped every native block of this
            // module before calling `reset` (the `Translator` contract), and
            // none is executing: translation happens between blocks.
            unsafe { old.free_memory() };
        }
        // The same settings and helpers as the first one had.
        match code_module(&self.isa, &self.target) {
            Ok((module, ids)) => {
                self.module = Some(module);
                self.helper_ids = ids;
            }
            // No module: every later translation is declined.
            Err(e) => log::warn!("jit: no new code generation: {e}"),
        }
        self.code_bytes = 0;
        self.resets += 1;
    }
}

impl Drop for Jit {
    fn drop(&mut self) {
        log::debug!(
            "jit: {} blocks translated, {} declined, {} KiB of code",
            self.translated,
            self.declined,
            self.code_bytes >> 10
        );
        // A JITModule keeps its code mapped unless told (a guest reboot
        // builds a new machine, and would leak one generation per boot).
        if let Some(module) = self.module.take() {
            // SAFETY: the Jit belongs to one hart and goes with it; nothing
            // can call the hart's native blocks once it is being dropped.
            unsafe { module.free_memory() };
        }
        if let Some(module) = self.entry_module.take() {
            // SAFETY: as above; the trampoline is only called to run blocks.
            unsafe { module.free_memory() };
        }
    }
}
