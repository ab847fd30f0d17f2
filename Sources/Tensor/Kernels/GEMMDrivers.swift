// The loop nest around the micro-kernel, in Goto/BLIS order. k is cut by a BlockSplit that
// depends on k only, so an element of C gets the same sums whatever the thread count, the
// block of C its thread owns, or whether A was packed.

extension GEMM {
  /// Whether A is copied into panels (see GEMMTuning.packAWork).
  static func packsA(_ p: Problem) -> Bool {
    p.m * p.n * p.k >= (p.transposeA ? GEMMTuning.packTransposedAWork : GEMMTuning.packAWork)
  }

  /// Cuts C into blocks of whole tiles that threads take from a shared counter. Each block is
  /// a complete blocked product with its own buffers, so there are no barriers. Blocks repack
  /// the operand they share, so there are more blocks than threads only when that costs
  /// nothing: column blocks with A read in place.
  static func multiplyBlocked(_ p: Problem, threads: Int, packsA: Bool) {
    let ks = BlockSplit(total: p.k, maximum: GEMMTuning.kc, multiple: 1)
    let rowTiles = (p.m + mr - 1) / mr
    let columnTiles = (p.n + nr - 1) / nr
    if threads <= 1 || rowTiles * columnTiles == 1 {
      blockedRegion(p, ks: ks, rows: 0..<p.m, columns: 0..<p.n, packsA: packsA)
      return
    }
    // Column blocks each need all of A, row blocks all of B. With A read in place only B is
    // packed, so columns are free; with A packed, duplicate the cheaper copy (transposed
    // copies cost about 2.5x a plain row copy of B: 0.4 vs 0.16 ns a float).
    var byColumns = columnTiles >= threads || columnTiles >= rowTiles
    if packsA && rowTiles >= threads {
      let copyA = p.m * (p.transposeA ? 5 : 4), copyB = p.n * (p.transposeB ? 5 : 2)
      byColumns = columnTiles >= threads && copyA <= copyB
    }
    let tiles = byColumns ? columnTiles : rowTiles
    let blocks = min(tiles, byColumns && !packsA ? threads * GEMMTuning.blocksPerThread : threads)
    parallelBlocks(blocks, threads: threads) { block in
      let lower = tiles * block / blocks, upper = tiles * (block + 1) / blocks
      if byColumns {
        blockedRegion(
          p, ks: ks, rows: 0..<p.m, columns: lower * nr..<min(p.n, upper * nr), packsA: packsA)
      } else {
        blockedRegion(
          p, ks: ks, rows: lower * mr..<min(p.m, upper * mr), columns: 0..<p.n, packsA: packsA)
      }
    }
  }

  /// C[rows, columns] on the calling thread. For each kc x nc block of B (packed) and mc x kc
  /// block of A (packed, or read in place), sweep the tiles column panel by column panel, so
  /// each 32-column B panel stays in L1 while the kernel walks down the rows.
  static func blockedRegion(
    _ p: Problem, ks: BlockSplit, rows: Range<Int>, columns: Range<Int>, packsA: Bool
  ) {
    let ms = BlockSplit(total: rows.count, maximum: GEMMTuning.mc, multiple: mr)
    let ns = BlockSplit(total: columns.count, maximum: GEMMTuning.nc, multiple: nr)
    let bCount = ns.size * ks.size
    let aCount = packsA ? ms.size * ks.size : 0
    withPackingBuffer(floats: bCount + aCount) { buffer in
      let bufferB = buffer, bufferA = buffer + bCount
      for jb in 0..<ns.count {
        let j0 = columns.lowerBound + ns.start(jb), nb = ns.length(jb)
        let bPanels = (nb + nr - 1) / nr
        for kb in 0..<ks.count {
          let p0 = ks.start(kb), kc = ks.length(kb)
          let load = p.accumulate || kb > 0
          packB(
            b: p.opB(p0, j0), ldb: p.ldb, transposed: p.transposeB, kc: kc, cols: nb,
            panels: 0..<bPanels, into: bufferB)
          for ib in 0..<ms.count {
            let i0 = rows.lowerBound + ms.start(ib), mb = ms.length(ib)
            let aPanels = (mb + mr - 1) / mr
            if packsA {
              packA(
                a: p.opA(i0, p0), lda: p.lda, transposed: p.transposeA, rows: mb, kc: kc,
                panels: 0..<aPanels, into: bufferA)
            }
            let c = p.c + i0 * p.ldc + j0
            for jr in 0..<bPanels {
              let j = jr * nr
              let panelB = bufferB + jr * nr * kc
              let cols = min(nr, nb - j)
              for ir in 0..<aPanels {
                let i = ir * mr
                let rowsHere = min(mr, mb - i)
                if packsA {
                  kernelPacked(
                    kc: kc, a: bufferA + ir * mr * kc, b: panelB, c: c + i * p.ldc + j,
                    ldc: p.ldc, rows: rowsHere, cols: cols, alpha: p.alpha, load: load)
                } else {
                  kernelStrided(
                    kc: kc, a: p.opA(i0 + i, p0), rsA: p.transposeA ? 1 : p.lda,
                    csA: p.transposeA ? p.lda : 1, b: panelB, c: c + i * p.ldc + j,
                    ldc: p.ldc, rows: rowsHere, cols: cols, alpha: p.alpha, load: load)
                }
              }
            }
          }
        }
      }
    }
  }

  /// A 64-byte aligned scratch buffer (so 64-byte panel loads never split a cache line),
  /// borrowed from a small pool: no malloc, and no fresh pages to fault in, per product.
  @inline(__always)
  static func withPackingBuffer(floats: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) {
    let buffer = PackingBuffers.take(floats: floats)
    body(buffer.floats)
    PackingBuffers.give(buffer)
  }
}
