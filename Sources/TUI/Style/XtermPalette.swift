/// The xterm 256-colour palette as RGB, for matching colours in both directions.
/// Entries 0-15 vary between terminals; xterm's defaults stand in for them.
public enum XtermPalette {
  /// The six channel levels of the 6x6x6 cube at indices 16-231.
  static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

  static let ansiRGB: [(Int, Int, Int)] = [
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
    (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
    (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
  ]

  public static func rgb(ofIndex index: UInt8) -> (red: Int, green: Int, blue: Int) {
    let i = Int(index)
    if i < 16 { return ansiRGB[i] }
    if i >= 232 {
      let grey = 8 + 10 * (i - 232)
      return (grey, grey, grey)
    }
    let cube = i - 16
    return (cubeLevels[cube / 36], cubeLevels[(cube / 6) % 6], cubeLevels[cube % 6])
  }

  /// The nearest entry among 16-255 (the cube and the greys; 0-15 are left out because
  /// terminals redefine them). Same method as tmux's `colour_find_rgb`.
  public static func nearestIndex(red: UInt8, green: UInt8, blue: UInt8) -> UInt8 {
    let (r, g, b) = (Int(red), Int(green), Int(blue))
    func level(_ value: Int) -> Int { value < 48 ? 0 : value < 115 ? 1 : (value - 35) / 40 }
    let (qr, qg, qb) = (level(r), level(g), level(b))
    let cube = (cubeLevels[qr], cubeLevels[qg], cubeLevels[qb])
    let average = (r + g + b) / 3
    let greyStep = average > 238 ? 23 : max(0, (average - 3) / 10)
    let grey = 8 + 10 * greyStep
    let cubeIndex = 16 + 36 * qr + 6 * qg + qb
    if cube == (r, g, b) { return UInt8(cubeIndex) }
    let cubeDistance = squaredDistance((r, g, b), cube)
    let greyDistance = squaredDistance((r, g, b), (grey, grey, grey))
    return UInt8(greyDistance < cubeDistance ? 232 + greyStep : cubeIndex)
  }

  /// The nearest of the 8 normal ANSI colours. Greys go to white or black by brightness:
  /// by plain distance a mid grey would land on yellow.
  public static func nearestANSI8(red: Int, green: Int, blue: Int) -> UInt8 {
    if max(red, green, blue) - min(red, green, blue) < 40 {
      return (red + green + blue) / 3 >= 64 ? 7 : 0
    }
    var best = 0
    var bestDistance = Int.max
    for index in 0..<8 {
      let distance = squaredDistance((red, green, blue), ansiRGB[index])
      if distance < bestDistance { (best, bestDistance) = (index, distance) }
    }
    return UInt8(best)
  }

  static func squaredDistance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
    let (dr, dg, db) = (a.0 - b.0, a.1 - b.1, a.2 - b.2)
    return dr * dr + dg * dg + db * db
  }
}
