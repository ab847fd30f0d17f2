import Testing
import TestSupport

@testable import Tensor

/// Naive product of op(A) and op(B) with batch broadcasting of rank-2 operands, in Double.
private func referenceMatmul(_ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool) -> [Float] {
  let (ra, ca) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
  let (rb, cb) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
  let (m, k) = transposeA ? (ca, ra) : (ra, ca)
  let n = transposeB ? rb : cb
  let batch = Swift.max(a.count / (ra * ca), b.count / (rb * cb))
  let (x, y) = (a.scalars, b.scalars)
  var result: [Float] = []
  for t in 0..<batch {
    let baseA = a.rank == 2 ? 0 : t * ra * ca
    let baseB = b.rank == 2 ? 0 : t * rb * cb
    for i in 0..<m {
      for j in 0..<n {
        var sum = 0.0
        for p in 0..<k {
          let u = transposeA ? x[baseA + p * ca + i] : x[baseA + i * ca + p]
          let v = transposeB ? y[baseB + j * cb + p] : y[baseB + p * cb + j]
          sum += Double(u) * Double(v)
        }
        result.append(Float(sum))
      }
    }
  }
  return result
}

@Suite struct MatmulOpTests {
  static let layouts = [(false, false), (false, true), (true, false), (true, true)]

  @Test(arguments: [(1, 1, 1), (3, 5, 4), (7, 1, 33), (2, 9, 3)])
  func twoDimensionalAllLayouts(m: Int, n: Int, k: Int) throws {
    for (ta, tb) in Self.layouts {
      let a = randomTensor(ta ? [k, m] : [m, k], seed: 10)
      let b = randomTensor(tb ? [n, k] : [k, n], seed: 11)
      let c = try Tensor.matmul(a, b, transposeA: ta, transposeB: tb)
      #expect(c.shape == Shape([m, n]))
      expectClose(
        c.scalars, referenceMatmul(a, b, transposeA: ta, transposeB: tb), absolute: 1e-5,
        relative: 1e-5)
      try checkGradients([a, b]) { try Tensor.matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
    }
  }

  @Test func batchedAndSharedOperands() throws {
    for (ta, tb) in Self.layouts {
      // (2, 3, M, K) x (2, 3, K, N)
      let a = randomTensor(ta ? [2, 3, 4, 5] : [2, 3, 5, 4], seed: 12)
      let b = randomTensor(tb ? [2, 3, 6, 4] : [2, 3, 4, 6], seed: 13)
      let c = try Tensor.matmul(a, b, transposeA: ta, transposeB: tb)
      #expect(c.shape == Shape([2, 3, 5, 6]))
      expectClose(
        c.scalars, referenceMatmul(a, b, transposeA: ta, transposeB: tb), absolute: 1e-5,
        relative: 1e-5)
      try checkGradients([a, b]) { try Tensor.matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }

      // Shared rank-2 right operand (a Linear layer) and shared left operand.
      let w = randomTensor(tb ? [6, 4] : [4, 6], seed: 14)
      let cw = try Tensor.matmul(a, w, transposeA: ta, transposeB: tb)
      expectClose(
        cw.scalars, referenceMatmul(a, w, transposeA: ta, transposeB: tb), absolute: 1e-5,
        relative: 1e-5)
      try checkGradients([a, w]) { try Tensor.matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }

      let v = randomTensor(ta ? [4, 5] : [5, 4], seed: 15)
      let cv = try Tensor.matmul(v, b, transposeA: ta, transposeB: tb)
      expectClose(
        cv.scalars, referenceMatmul(v, b, transposeA: ta, transposeB: tb), absolute: 1e-5,
        relative: 1e-5)
      try checkGradients([v, b]) { try Tensor.matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
    }
  }

  @Test func shapeErrorsAreReadable() throws {
    let a = Tensor.zeros([32, 128])
    let b = Tensor.zeros([64, 128])
    #expect(throws: TensorError.shapeMismatch(op: "matmul", detail: "(32, 128) x (64, 128): inner sizes differ")) {
      try a.matmul(b)
    }
    #expect(throws: TensorError.self) { try Tensor.zeros([2, 3, 4]).matmul(Tensor.zeros([3, 4, 5])) }
    #expect(throws: TensorError.self) { try Tensor.zeros([4]).matmul(Tensor.zeros([4, 5])) }
    // The transposed operand is accepted without copying.
    #expect(try a.matmul(b, transposeOther: true).shape == Shape([32, 64]))
  }
}
