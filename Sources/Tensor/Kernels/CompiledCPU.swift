/// The CPU level this binary was compiled for, as `vlp --version` and `vlp bench` report it.
/// Swift has no `#if` on target features, so the build records its `-target-cpu` in defines
/// beside it: Package.swift sets VLP_CPU_X86_64_V3 with x86-64-v3 (`-target-cpu haswell`) for
/// release builds on x86-64, the Makefile's native build adds VLP_CPU_NATIVE (whose
/// `-target-cpu native` comes later on the command line and wins) and VLP_AVX512 where the
/// build machine has AVX-512.
public enum CompiledCPU {
  /// A short name: `native`, `x86-64-v3`, `x86-64` (the baseline, without FMA) or `arm64`.
  public static let level: String = {
    #if VLP_CPU_NATIVE
      return "native"
    #elseif VLP_CPU_X86_64_V3
      return "x86-64-v3"
    #elseif arch(x86_64)
      return "x86-64"
    #elseif arch(arm64)
      return "arm64"
    #else
      return "baseline"
    #endif
  }()

  /// The level with what it means for the kernels, e.g. "CPU level x86-64-v3 (AVX2 and FMA)".
  public static var description: String {
    let detail: String
    #if VLP_CPU_NATIVE
      #if VLP_AVX512
        detail = "the build machine's CPU, AVX-512 GEMM tile"
      #else
        detail = "the build machine's CPU"
      #endif
    #elseif VLP_CPU_X86_64_V3
      detail = "AVX2 and FMA: Intel since 2013, AMD since 2015"
    #elseif arch(x86_64)
      #if DEBUG
        detail = "debug build, no FMA"
      #else
        detail = "no FMA: kernels about 200x slower; build with make release"
      #endif
    #else
      detail = "the architecture's baseline"
    #endif
    return "CPU level \(level) (\(detail))"
  }
}
