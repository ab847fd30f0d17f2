import Testing

@testable import Tensor

@Suite struct AutogradTests {
  @Test func gradientsAccumulateAcrossBackwardCalls() throws {
    let w = try Tensor(shape: [2], values: [1, 2]).requiringGrad()
    try (w * 3).sum().backward()
    #expect(w.grad?.scalars == [3, 3])
    try (w * w).sum().backward()
    #expect(w.grad?.scalars == [5, 7])
    w.zeroGrad()
    #expect(w.grad == nil)
  }

  @Test func aSecondBackwardThroughAFreedGraphThrowsAndChangesNothing() throws {
    let w = try Tensor(shape: [2], values: [1, 2]).requiringGrad()
    let hidden = try w * 3
    let loss = try hidden.sum()
    try loss.backward()
    #expect(w.grad?.scalars == [3, 3])
    #expect(!hidden.isLeaf)
    // The loss itself, and a new loss built on a result whose graph was freed.
    #expect(throws: TensorError.self) { try loss.backward() }
    #expect(throws: TensorError.self) { try (hidden * 2).sum().backward() }
    #expect(w.grad?.scalars == [3, 3])
  }

  @Test func noGradRecordsNothing() throws {
    let w = Tensor.ones([3]).requiringGrad()
    let y = noGrad { w * 2 }
    #expect(!y.requiresGrad)
    #expect(y.isLeaf)
    #expect(throws: TensorError.self) { try y.sum().backward() }
    // Recording resumes after the block.
    #expect((w * 2).requiresGrad)
  }

  @Test func detachedStopsGradientButSharesValues() throws {
    let w = try Tensor(shape: [2], values: [1, 2]).requiringGrad()
    let target = (w * 2).detached()
    #expect(!target.requiresGrad)
    try (try w * target).sum().backward()
    #expect(w.grad?.scalars == [2, 4])  // d(w * const)/dw = const only
  }

  @Test func diamondGraphVisitsSharedNodeOnce() throws {
    // y = (a*b) used by two branches: dL/da = b * (2 + 3).
    let a = try Tensor(shape: [1], values: [2]).requiringGrad()
    let b = try Tensor(shape: [1], values: [5]).requiringGrad()
    let shared = try a * b
    let loss = try (shared * 2 + shared * 3).sum()
    try loss.backward()
    #expect(a.grad?.scalars == [25])
    #expect(b.grad?.scalars == [10])
  }

  @Test func backwardNeedsScalarOrMatchingGradient() throws {
    let w = Tensor.ones([2, 2]).requiringGrad()
    let y = w * 3
    #expect(throws: TensorError.notScalar(op: "backward", shape: [2, 2])) { try y.backward() }
    #expect(throws: TensorError.self) { try y.backward(gradient: Tensor.ones([4])) }
    try y.backward(gradient: Tensor.ones([2, 2]))
    #expect(w.grad?.scalars == [3, 3, 3, 3])
  }

  @Test func intermediateGradientsAreReleasedUnlessRetained() throws {
    let w = Tensor.ones([2]).requiringGrad()
    let hidden = w * 2
    try (hidden * 3).sum().backward()
    #expect(hidden.gradStorage == nil)
    let kept = w * 2
    try (kept * 3).sum().backward(retainGradients: true)
    #expect(kept.grad?.scalars == [3, 3])
  }

  @Test func deepChainDoesNotRecurse() throws {
    // 20,000 nodes: a recursive walk would overflow the stack.
    let w = Tensor.ones([1]).requiringGrad()
    var y = w
    for _ in 0..<20_000 { y = y * 1 }
    try y.sum().backward()
    #expect(w.grad?.scalars == [1])
  }
}
