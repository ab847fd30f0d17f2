// Blocking and threshold constants, measured on the 2-core Sapphire Rapids-class VM (48 KiB
// L1d and 2 MiB L2 per core). None of them changes results, only speed: k blocking is the one
// choice that would, and it depends on k alone.

enum GEMMTuning {
  /// k per block: a 32-column B panel (kc x 32 floats, 32 KiB) stays in L1 while the kernel
  /// walks down the rows. 192...512 measured within 2%; 256 balances k = 512 into two halves.
  static let kc = 256
  /// Rows of packed A per block (mc x kc floats, 240 KiB, streamed from L2); 240 was 1-2%
  /// ahead of 120 and 1020 at n = 512 and 1024.
  static let mc = 240
  /// Columns of packed B per block (kc x nc floats at most 4 MiB, read from L2/L3; each B
  /// panel is reused by mc / 6 kernel calls, so it need not fit in L2).
  static let nc = 4096
  /// Below this m*n*k a product stays on one thread: handing half of 96^3 to a warm helper
  /// already pays (about 1.25x), at 64^3 it does not.
  static let parallelWork = 96 * 96 * 96
  /// At and above this m*n*k, row-major A is packed. Below it the kernel reads A in place:
  /// no copy, and with two threads no duplicate copy. Reading in place loses at 1024 (rows
  /// 4 KiB apart fall into the same L1 sets as the B panel), not at 512.
  static let packAWork = 384 * 384 * 384
  /// Same for transposed A, whose in-place reads touch a new cache line every step of k:
  /// better packed from about 160^3 on.
  static let packTransposedAWork = 160 * 160 * 160
  /// Column blocks per thread when splitting C costs no extra packing (the thread that wakes
  /// late takes fewer blocks).
  static let blocksPerThread = 4
}
