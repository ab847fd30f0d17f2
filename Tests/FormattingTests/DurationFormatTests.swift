import Testing

import Formatting

@Suite struct DurationFormatTests {
  @Test(arguments: [
    (0.0, "0s"), (12.4, "12s"), (59.6, "1m"), (180, "3m"), (192, "3m12s"), (284, "4m44s"),
    (3600, "1h00m"), (3_900, "1h05m"), (90_061, "25h01m"), (-4, "-4s"),
    (.nan, "-"), (.infinity, "-"),
  ])
  func formatsSecondsMinutesAndHours(seconds: Double, expected: String) {
    #expect(DurationFormat.text(seconds) == expected)
  }
}
