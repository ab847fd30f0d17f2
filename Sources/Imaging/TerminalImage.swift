/// How many colours the terminal shows, from the environment.
public enum TerminalColors: Sendable, Equatable {
  /// 24-bit colour (COLORTERM=truecolor or 24bit).
  case trueColor
  /// xterm's 256 colours: the 6x6x6 cube and the 24-step gray ramp.
  case palette256
  /// NO_COLOR is set: brightness as ASCII characters.
  case none

  public static func detect(_ environment: [String: String]) -> TerminalColors {
    if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .none }
    let colorTerm = environment["COLORTERM"]?.lowercased() ?? ""
    return colorTerm == "truecolor" || colorTerm == "24bit" ? .trueColor : .palette256
  }
}

/// Draws an image in a terminal with half blocks: each character cell shows two pixels, the
/// upper as the foreground colour of "▀" and the lower as the background (an odd last row
/// keeps the terminal's background). Every line ends by resetting the colours.
public enum TerminalImage {
  public static func render(_ image: RGBImage, colors: TerminalColors) -> String {
    var text = ""
    for row in stride(from: 0, to: image.height, by: 2) {
      for x in 0..<image.width {
        let top = image.pixel(x: x, y: row)
        let bottom = row + 1 < image.height ? image.pixel(x: x, y: row + 1) : nil
        switch colors {
        case .trueColor, .palette256:
          text += escape(top, foreground: true, colors)
          text += bottom.map { escape($0, foreground: false, colors) } ?? "\u{1B}[49m"
          text += "▀"
        case .none:
          let values = [top] + (bottom.map { [$0] } ?? [])
          let brightness = values.map { ($0.0 + $0.1 + $0.2) / 3 }.reduce(0, +)
            / Float(values.count)
          let ramp = Array(" .:-=+*#%@")
          text.append(ramp[min(ramp.count - 1, Int(brightness * Float(ramp.count)))])
        }
      }
      text += colors == .none ? "\n" : "\u{1B}[0m\n"
    }
    return text
  }

  private static func escape(
    _ color: (Float, Float, Float), foreground: Bool, _ colors: TerminalColors
  ) -> String {
    let layer = foreground ? "38" : "48"
    let (red, green, blue) = (byte(color.0), byte(color.1), byte(color.2))
    if colors == .trueColor { return "\u{1B}[\(layer);2;\(red);\(green);\(blue)m" }
    return "\u{1B}[\(layer);5;\(paletteIndex(red, green, blue))m"
  }

  private static func byte(_ value: Float) -> Int { Int((min(1, max(0, value)) * 255).rounded()) }

  /// The nearest of xterm's 256 colours: the cube (levels 0, 95, 135, 175, 215, 255) or the
  /// gray ramp (8, 18, ..., 238), by squared distance.
  static func paletteIndex(_ red: Int, _ green: Int, _ blue: Int) -> Int {
    let levels = [0, 95, 135, 175, 215, 255]
    func nearestLevel(_ value: Int) -> Int {
      levels.indices.min { abs(levels[$0] - value) < abs(levels[$1] - value) }!
    }
    let (r, g, b) = (nearestLevel(red), nearestLevel(green), nearestLevel(blue))
    func distance(_ x: Int, _ y: Int, _ z: Int) -> Int {
      (x - red) * (x - red) + (y - green) * (y - green) + (z - blue) * (z - blue)
    }
    let cube = distance(levels[r], levels[g], levels[b])
    let grayStep = min(23, max(0, ((red + green + blue) / 3 - 8 + 5) / 10))
    let gray = 8 + 10 * grayStep
    return distance(gray, gray, gray) < cube ? 232 + grayStep : 16 + 36 * r + 6 * g + b
  }
}
