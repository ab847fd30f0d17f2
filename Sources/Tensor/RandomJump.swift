import Synchronization

/// Jumping a `RandomGenerator` ahead by any number of draws, so that threads can each take a
/// range of one stream (dropout's mask over a large tensor) and draw exactly the numbers one
/// thread drawing in order would have: the results stay bit-identical for any thread count.
///
/// xoshiro256's state update is linear over GF(2): the state after n draws is T^n times the
/// state, for a fixed 256 x 256 bit matrix T. The matrices T^(2^j) are built once (by repeated
/// squaring, about 2 ms) and a jump by n applies one per set bit of n, each a XOR of the columns
/// picked by the state's set bits: a few microseconds, against about 2 ns per draw.
extension RandomGenerator {
  /// This generator after `draws` calls of `next()` (`draws` >= 0); the spare normal deviate,
  /// which `next()` never touches, is kept.
  public func advanced(by draws: Int) -> RandomGenerator {
    precondition(draws >= 0, "advanced(by:) needs a count >= 0")
    var result = self
    var state = result.stateWords
    var remaining = draws
    var power = 0
    while remaining != 0 {
      if remaining & 1 != 0 { state = JumpMatrices.apply(power, to: state) }
      remaining >>= 1
      power += 1
    }
    result.stateWords = state
    return result
  }
}

/// T^(2^j) for j = 0, 1, ..., built as far as a jump has needed, each stored by column: column
/// c (4 words) is the matrix applied to the state with only bit c set (bit c % 64 of word c / 64).
enum JumpMatrices {
  typealias State = (UInt64, UInt64, UInt64, UInt64)
  private static let powers = Mutex<[[UInt64]]>([])

  static func apply(_ power: Int, to state: State) -> State {
    let matrix = powers.withLock { powers -> [UInt64] in
      while powers.count <= power {
        powers.append(powers.last.map(square) ?? single())
      }
      return powers[power]
    }
    return matrix.withUnsafeBufferPointer { multiply($0, state) }
  }

  /// T: the columns are one draw's update of each unit state.
  private static func single() -> [UInt64] {
    var columns = [UInt64](repeating: 0, count: 256 * 4)
    for bit in 0..<256 {
      var words: [UInt64] = [0, 0, 0, 0]
      words[bit / 64] = 1 << UInt64(bit % 64)
      var unit = RandomGenerator(seed: 0)
      unit.stateWords = (words[0], words[1], words[2], words[3])
      _ = unit.next()
      let (a, b, c, d) = unit.stateWords
      columns.replaceSubrange(bit * 4..<bit * 4 + 4, with: [a, b, c, d])
    }
    return columns
  }

  /// M M: each column of M sent through M.
  private static func square(_ matrix: [UInt64]) -> [UInt64] {
    matrix.withUnsafeBufferPointer { m in
      var result = [UInt64](repeating: 0, count: m.count)
      for bit in 0..<256 {
        let (a, b, c, d) = multiply(m, (m[bit * 4], m[bit * 4 + 1], m[bit * 4 + 2], m[bit * 4 + 3]))
        result.replaceSubrange(bit * 4..<bit * 4 + 4, with: [a, b, c, d])
      }
      return result
    }
  }

  /// The matrix times a state: the XOR of the columns of the state's set bits.
  private static func multiply(_ m: UnsafeBufferPointer<UInt64>, _ state: State) -> State {
    var result: State = (0, 0, 0, 0)
    for (word, value) in [state.0, state.1, state.2, state.3].enumerated() {
      var bits = value
      while bits != 0 {
        let column = (word * 64 + bits.trailingZeroBitCount) * 4
        result.0 ^= m[column]
        result.1 ^= m[column + 1]
        result.2 ^= m[column + 2]
        result.3 ^= m[column + 3]
        bits &= bits &- 1
      }
    }
    return result
  }
}
