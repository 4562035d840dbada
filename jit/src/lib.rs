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
//! and `fence.i`. Everything else (F/D, A, CSR and system instructions) is
//! a call to the interpreter's executor for that op
//! (`heron_cpu::tier::helpers::exec`), so any block can be translated.

mod alu;
mod emit;

use cranelift_codegen::ir::{types, AbiParam, Signature};
use cranelift_codegen::isa::OwnedTargetIsa;
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::Context;
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{default_libcall_names, Module};
use heron_cpu::decode::Op;
use heron_cpu::tier::{NativeBlock, NativeFn, TierStats, Translator};

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
        let module = JITModule::new(JITBuilder::with_isa(isa.clone(), default_libcall_names()));
        Ok(Jit {
            target: emit::Target::new(isa.default_call_conv(), isa.frontend_config()),
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

    /// `(hart, bus) -> exit code`, in the host's calling convention.
    fn signature(&self) -> Signature {
        let mut sig = Signature::new(self.isa.default_call_conv());
        sig.params.push(AbiParam::new(types::I64));
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I32));
        sig
    }

    fn compile(&mut self, ops: &[Op]) -> Option<NativeFn> {
        let sig = self.signature();
        let module = self.module.as_mut()?;
        self.ctx.func.signature = sig;
        if !emit::build(&mut self.ctx.func, &mut self.builder_ctx, ops, &self.target) {
            module.clear_context(&mut self.ctx);
            return None;
        }
        let id = module
            .declare_anonymous_function(&self.ctx.func.signature)
            .ok()?;
        let defined = module.define_function(id, &mut self.ctx);
        let size = self
            .ctx
            .compiled_code()
            .map_or(0, |c| c.code_buffer().len());
        module.clear_context(&mut self.ctx);
        if let Err(e) = defined {
            log::warn!("jit: Cranelift rejected a block: {e}");
            return None;
        }
        module.finalize_definitions().ok()?;
        self.code_bytes += size;
        let code = module.get_finalized_function(id);
        // SAFETY: `code` is the entry of the function just defined with
        // `signature()`, i.e. `extern "C"`-compatible (the ISA's default
        // convention) `(i64, i64) -> i32`, which is `NativeFn`'s ABI.
        Some(unsafe { std::mem::transmute::<*const u8, NativeFn>(code) })
    }
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

    fn translate(&mut self, ops: &[Op]) -> Option<NativeBlock> {
        let started = std::time::Instant::now();
        let f = self.compile(ops);
        self.compile_ns += started.elapsed().as_nanos() as u64;
        match f {
            Some(_) => {
                self.translated += 1;
                self.insns += ops.len() as u64;
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
        self.module = Some(JITModule::new(JITBuilder::with_isa(
            self.isa.clone(),
            default_libcall_names(),
        )));
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
    }
}
