// swift-tools-version:6.0
// VLP Workbench: no package dependencies; only the toolchain and Debian's ncurses.
import PackageDescription

// Kernels are compiled with bounds checks off in release builds: measured on the GEMM
// micro-kernel and the fused row kernels, see docs/benchmarks.md. `-target-cpu native` is
// added by the Makefile (not here) so that a portable build stays possible.
let kernelSettings: [SwiftSetting] = [
  .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release))
]

let package = Package(
  name: "vlp",
  products: [
    .executable(name: "vlp", targets: ["vlp"])
  ],
  targets: [
    .systemLibrary(
      name: "CNCurses",
      path: "Sources/CNCurses"
    ),
    .target(name: "Tensor", swiftSettings: kernelSettings),
    .target(name: "NN", dependencies: ["Tensor"]),
    .target(name: "VLP", dependencies: ["NN", "Tensor"]),
    .target(name: "TUI", dependencies: ["Engine"]),
    .target(name: "TUICurses", dependencies: ["TUI", "CNCurses"]),
    .target(name: "Engine", dependencies: ["VLP", "NN", "Tensor"]),
    .executableTarget(
      name: "vlp", dependencies: ["TUICurses", "TUI", "Engine", "NN", "Tensor", "VLP", "CNCurses"]),
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "TensorTests", dependencies: ["Tensor", "TestSupport"]),
    .testTarget(name: "VLPTests", dependencies: ["VLP", "TestSupport"]),
    .testTarget(name: "NNTests", dependencies: ["NN", "TestSupport"]),
    .testTarget(name: "TUITests", dependencies: ["TUI", "Engine", "VLP", "TestSupport"], exclude: ["Snapshots"]),
    .testTarget(name: "EngineTests", dependencies: ["Engine", "VLP", "TestSupport"]),
  ]
)
