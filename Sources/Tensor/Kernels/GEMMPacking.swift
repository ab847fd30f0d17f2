// Packing copies blocks of op(A) and op(B) into the layouts the micro-kernel streams through:
// A as panels of 6 rows stored column by column (6 floats per step of k), B as panels of 32
// columns stored row by row (32 floats per step of k). Ragged edges are zero-padded, so the
// kernel runs whole tiles and only drops lanes when storing. Packing only copies values, so
// results do not depend on how the input pointers are aligned.

extension GEMM {
  /// Packs panels `panels` of op(A)[0..<rows, 0..<kc]; `a` points at op(A)(0, 0).
  static func packA(
    a: UnsafePointer<Float>, lda: Int, transposed: Bool, rows: Int, kc: Int,
    panels: Range<Int>, into dst: UnsafeMutablePointer<Float>
  ) {
    var ragged = panels
    if transposed {
      let whole = panels.clamped(to: panels.lowerBound..<max(panels.lowerBound, rows / mr))
      packATransposedRows(a: a, lda: lda, kc: kc, panels: whole, into: dst)
      ragged = whole.upperBound..<panels.upperBound
    }
    for panel in ragged {
      let i = panel * mr
      let r = min(mr, rows - i)
      let out = dst + panel * mr * kc
      if transposed {
        // op(A)(i, p) = a[p * lda + i]: six neighbouring floats per step of k.
        var s = a + i
        if r == mr {
          for p in 0..<kc {
            out[6 * p] = s[0]; out[6 * p + 1] = s[1]; out[6 * p + 2] = s[2]
            out[6 * p + 3] = s[3]; out[6 * p + 4] = s[4]; out[6 * p + 5] = s[5]
            s += lda
          }
        } else {
          for p in 0..<kc {
            for q in 0..<mr { out[6 * p + q] = q < r ? s[q] : 0 }
            s += lda
          }
        }
      } else {
        // op(A)(i, p) = a[i * lda + p]: interleave six rows.
        let s0 = a + i * lda
        if r == mr {
          let s1 = s0 + lda, s2 = s1 + lda, s3 = s2 + lda, s4 = s3 + lda, s5 = s4 + lda
          for p in 0..<kc {
            out[6 * p] = s0[p]; out[6 * p + 1] = s1[p]; out[6 * p + 2] = s2[p]
            out[6 * p + 3] = s3[p]; out[6 * p + 4] = s4[p]; out[6 * p + 5] = s5[p]
          }
        } else {
          for p in 0..<kc {
            for q in 0..<mr { out[6 * p + q] = q < r ? s0[q * lda + p] : 0 }
          }
        }
      }
    }
  }

  /// Packs panels `panels` of op(B)[0..<kc, 0..<cols]; `b` points at op(B)(0, 0). A panel of
  /// at most 16 columns fills only the first half of each 32-float row: the 16-wide kernel
  /// never reads the second.
  static func packB(
    b: UnsafePointer<Float>, ldb: Int, transposed: Bool, kc: Int, cols: Int,
    panels: Range<Int>, into dst: UnsafeMutablePointer<Float>
  ) {
    var ragged = panels
    if !transposed {
      let whole = panels.clamped(to: panels.lowerBound..<max(panels.lowerBound, cols / nr))
      packBRows(b: b, ldb: ldb, kc: kc, panels: whole, into: dst)
      ragged = whole.upperBound..<panels.upperBound
    }
    for panel in ragged {
      let j = panel * nr
      let width = min(nr, cols - j)
      let out = dst + panel * nr * kc
      for half in 0..<(width > 16 ? 2 : 1) {
        let valid = min(16, width - 16 * half)
        if transposed {
          packBTransposedHalf(b: b + (j + 16 * half) * ldb, ldb: ldb, kc: kc, valid: valid, into: out + 16 * half)
        } else {
          packBHalf(b: b + j + 16 * half, ldb: ldb, kc: kc, valid: valid, into: out + 16 * half)
        }
      }
    }
  }

  /// op(B)(p, j) = b[p * ldb + j] for 16 columns, `valid` of them real (the rest zeros).
  @inline(__always)
  static func packBHalf(
    b: UnsafePointer<Float>, ldb: Int, kc: Int, valid: Int, into out: UnsafeMutablePointer<Float>
  ) {
    if valid == 16 {
      for p in 0..<kc {
        let x = UnsafeRawPointer(b + p * ldb).loadUnaligned(as: V.self)
        UnsafeMutableRawPointer(out + p * nr).storeBytes(of: x, as: V.self)
      }
    } else {
      for p in 0..<kc {
        for q in 0..<16 { out[p * nr + q] = q < valid ? b[p * ldb + q] : 0 }
      }
    }
  }

  /// op(B)(p, j) = b[j * ldb + p] for 16 columns: a transpose, done as 16 x 16 register
  /// blocks, so each source row is read in whole 64-byte pieces.
  @inline(__always)
  static func packBTransposedHalf(
    b: UnsafePointer<Float>, ldb: Int, kc: Int, valid: Int, into out: UnsafeMutablePointer<Float>
  ) {
    var p = 0
    if valid == 16 {
      while p + 16 <= kc {
        let s = b + p
        @inline(__always) func row(_ q: Int) -> V {
          UnsafeRawPointer(s + q * ldb).loadUnaligned(as: V.self)
        }
        var r = (
          row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7),
          row(8), row(9), row(10), row(11), row(12), row(13), row(14), row(15)
        )
        transpose16(&r)
        let d = UnsafeMutableRawPointer(out + p * nr)
        withUnsafeBytes(of: &r) { t in
          for q in 0..<16 {
            d.storeBytes(
              of: t.load(fromByteOffset: q * 64, as: V.self), toByteOffset: q * nr * 4, as: V.self)
          }
        }
        p += 16
      }
    }
    while p < kc {
      for q in 0..<16 { out[p * nr + q] = q < valid ? b[q * ldb + p] : 0 }
      p += 1
    }
  }
}

// Row by row packing of the operands whose rows run along the panels (op(A) = Aᵀ, plain B):
// each source row is read once, front to back, and dealt out to every panel. Panel by panel,
// the same copy reads a short piece of every row at a stride of lda or ldb (2 KiB at n = 512),
// a stream the hardware prefetcher follows badly: it took about 30% of 128x512x2400 Aᵀ.
extension GEMM {
  /// Whole 6-row panels `panels` of op(A) = Aᵀ: op(A)(i, p) = a[p * lda + i].
  @inline(__always)
  static func packATransposedRows(
    a: UnsafePointer<Float>, lda: Int, kc: Int, panels: Range<Int>,
    into dst: UnsafeMutablePointer<Float>
  ) {
    packRows(
      source: a, stride: lda, kc: kc, panels: panels, into: dst,
      head: SIMD4<Float>.self, tail: SIMD2<Float>.self)
  }

  /// Whole 32-column panels `panels` of a plain B: op(B)(p, j) = b[p * ldb + j].
  @inline(__always)
  static func packBRows(
    b: UnsafePointer<Float>, ldb: Int, kc: Int, panels: Range<Int>,
    into dst: UnsafeMutablePointer<Float>
  ) {
    packRows(source: b, stride: ldb, kc: kc, panels: panels, into: dst, head: V.self, tail: V.self)
  }

  /// Panel q holds floats [q w, (q + 1) w) of every source row p, w = the floats of Head and
  /// Tail together, at dst + q w kc + p w: each row is read front to back and dealt out.
  @inline(__always)
  static func packRows<Head: SIMD, Tail: SIMD>(
    source: UnsafePointer<Float>, stride: Int, kc: Int, panels: Range<Int>,
    into dst: UnsafeMutablePointer<Float>, head: Head.Type, tail: Tail.Type
  ) where Head.Scalar == Float, Tail.Scalar == Float {
    let headBytes = MemoryLayout<Head>.size
    let width = headBytes + MemoryLayout<Tail>.size
    for p in 0..<kc {
      let s = UnsafeRawPointer(source + p * stride)
      let d = UnsafeMutableRawPointer(dst) + width * p
      for panel in panels {
        let x = s.loadUnaligned(fromByteOffset: width * panel, as: Head.self)
        let y = s.loadUnaligned(fromByteOffset: width * panel + headBytes, as: Tail.self)
        d.storeBytes(of: x, toByteOffset: width * kc * panel, as: Head.self)
        d.storeBytes(of: y, toByteOffset: width * kc * panel + headBytes, as: Tail.self)
      }
    }
  }
}
