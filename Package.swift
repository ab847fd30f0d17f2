// swift-tools-version:6.0
// VLP Workbench: no package dependencies; only the toolchain and Debian's ncurses, libjpeg-turbo
// and libpng.
import PackageDescription

// The CPU level of a release build. On x86-64 the package's own default is x86-64-v3 (AVX2 and
// FMA: Intel since 2013, AMD since 2015): for the bare x86-64 baseline Swift's fused
// multiply-add becomes a library call and the kernels run about 200 times slower
// (docs/benchmarks.md), so a plain `swift build -c release` must not build for it. Swift
// rejects the name `x86-64-v3` (its C importer also tunes for the CPU, and x86-64-v3 is no
// tuning target), so the flag names Haswell, the first CPU of that level: the compiler emits
// only x86-64-v3 instructions for it (Haswell's other features need explicit intrinsics).
// `make release` passes `-target-cpu native` after these flags (the later one wins) together
// with VLP_CPU_NATIVE, which `CompiledCPU` reports instead. arm64's baseline always has FMA.
#if arch(x86_64)
  let cpuSettings: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "haswell"], .when(configuration: .release)),
    .define("VLP_CPU_X86_64_V3", .when(configuration: .release)),
  ]
#else
  let cpuSettings: [SwiftSetting] = []
#endif

// Kernels are compiled with bounds checks off in release builds: measured on the GEMM
// micro-kernel and the fused row kernels, see docs/benchmarks.md. TSNE is not: its hot loops
// already run over unsafe buffers (unchecked in any release build), and -Ounchecked would also
// drop the preconditions and overflow traps of its user-file readers (NumpyFile, MatrixFile).
let kernelSettings: [SwiftSetting] =
  cpuSettings + [.unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))]

let package = Package(
  name: "vlp",
  products: [
    .executable(name: "vlp", targets: ["vlp"])
  ],
  // Each target lists every module its files import (and nothing else).
  targets: [
    .systemLibrary(
      name: "CNCurses",
      path: "Sources/CNCurses"
    ),
    .systemLibrary(name: "CJPEG", path: "Sources/CJPEG"),
    .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
    .target(name: "Imaging", dependencies: ["CJPEG", "CPNG"], swiftSettings: cpuSettings),
    .target(name: "Tensor", swiftSettings: kernelSettings),
    .target(name: "Formatting", swiftSettings: cpuSettings),
    .target(name: "RunLogs", swiftSettings: cpuSettings),
    .target(name: "TSNE", dependencies: ["Tensor"], swiftSettings: cpuSettings),
    .target(name: "NN", dependencies: ["Tensor"], swiftSettings: cpuSettings),
    .target(name: "VLP", dependencies: ["Imaging", "NN", "Tensor"], swiftSettings: cpuSettings),
    .target(
      name: "Engine", dependencies: ["VLP", "TSNE", "NN", "Tensor", "Formatting", "RunLogs"],
      resources: [.copy("PyTorch/trainer")], swiftSettings: cpuSettings),
    .target(
      name: "TUI", dependencies: ["Engine", "TSNE", "VLP", "Formatting", "RunLogs"],
      swiftSettings: cpuSettings),
    .target(name: "TUICurses", dependencies: ["TUI", "CNCurses"], swiftSettings: cpuSettings),
    .target(
      name: "Benchmarks", dependencies: ["TUI", "Engine", "VLP", "TSNE", "NN", "Tensor"],
      swiftSettings: cpuSettings),
    .executableTarget(
      name: "vlp",
      dependencies: [
        "Benchmarks", "TUICurses", "TUI", "Engine", "VLP", "TSNE", "NN", "Tensor", "Formatting",
        "Imaging", "RunLogs",
      ],
      swiftSettings: cpuSettings),
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
    .testTarget(name: "TSNETests", dependencies: ["TSNE", "Tensor", "TestSupport"]),
    .testTarget(name: "FormattingTests", dependencies: ["Formatting"]),
    .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"]),
    .testTarget(name: "RunLogsTests", dependencies: ["RunLogs", "TestSupport"]),
    .testTarget(name: "NNTests", dependencies: ["NN", "Tensor", "TestSupport"]),
    .testTarget(name: "VLPTests", dependencies: ["VLP", "NN", "Tensor", "TestSupport"]),
    .testTarget(
      name: "EngineTests",
      dependencies: ["Engine", "VLP", "NN", "Tensor", "Imaging", "RunLogs", "TestSupport"]),
    .testTarget(
      name: "TUITests", dependencies: ["TUI", "Engine", "VLP", "TSNE", "RunLogs", "TestSupport"],
      exclude: ["Snapshots"]),
  ]
)
