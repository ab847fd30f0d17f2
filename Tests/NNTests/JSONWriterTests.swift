import Foundation
import Testing

@testable import NN

@Suite struct JSONWriterTests {
  @Test func stringsEscapeQuotesBackslashesAndControlCharacters() {
    let text = JSONValue.string("a\"b\\c\nd\re\tf\u{1}g\u{1F}h é ✓ /").text()
    #expect(text == #""a\"b\\c\nd\re\tf\u0001g\u001fh é ✓ /""#)
    let decoded = try? JSONSerialization.jsonObject(
      with: Data(text.utf8), options: [.fragmentsAllowed])
    #expect(decoded as? String == "a\"b\\c\nd\re\tf\u{1}g\u{1F}h é ✓ /")
  }

  @Test func floatsAreShortestRoundTripWithoutATrailingPointZero() {
    let cases: [(Float, String)] = [
      (0, "0"), (1, "1"), (-3, "-3"), (0.25, "0.25"), (0.0001, "0.0001"), (1e-05, "1e-05"),
      (0.1, "0.1"), (1e8, "1e+08"), (16_777_216, "16777216"), (-0.0, "-0.0"),
      (.nan, "null"), (.infinity, "null"), (-.infinity, "null"),
    ]
    for (value, expected) in cases {
      #expect(JSONValue.float(value).text() == expected, "\(value)")
    }
    for value: Float in [0.1, 1 / 3, 3.4028235e38, 1.0e-45, 0.068, 8.7e-05] {
      let read = try? JSONSerialization.jsonObject(
        with: Data(JSONValue.float(value).text().utf8), options: [.fragmentsAllowed])
      #expect((read as? NSNumber)?.floatValue == value, "\(value) reads back")
    }
  }

  @Test func fixedDecimalsAndIntegers() {
    #expect(JSONValue.fixed(31.4, fractionDigits: 3).text() == "31.400")
    #expect(JSONValue.fixed(.nan, fractionDigits: 3).text() == "null")
    #expect(JSONValue.integer(-12).text() == "-12")
  }

  @Test func objectsKeepTheGivenOrderInEachLayout() {
    let value = JSONValue.object([
      ("z", .integer(1)), ("a", .array([.integer(2), .string("x")])), ("m", .object([])),
      ("e", .array([])),
    ])
    #expect(value.text() == #"{"z": 1, "a": [2, "x"], "m": {}, "e": []}"#)
    #expect(value.text(.compact) == #"{"z":1,"a":[2,"x"],"m":{},"e":[]}"#)
    #expect(
      value.text(.indented(depth: 2))
        == "{\n  \"z\": 1,\n  \"a\": [\n    2,\n    \"x\"\n  ],\n  \"m\": {},\n  \"e\": []\n}")
  }

  /// The header's bytes are pinned: the same tensors must keep giving the same file.
  @Test func safetensorsHeaderIsCompactSortedAndPadded() {
    let file = SafeTensorsFile(
      tensors: [
        NamedArray(name: "w", shape: [2, 1], values: [1, 2]),
        NamedArray(name: "b\"", shape: [1], values: [3]),
      ],
      metadata: ["step": "3", "format": "vlp"])
    let ordered = file.tensors.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    let header = String(decoding: file.encodedHeader(ordered), as: UTF8.self)
    let expected =
      #"{"__metadata__":{"format":"vlp","step":"3"},"#
      + #""b\"":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
      + #""w":{"dtype":"F32","shape":[2,1],"data_offsets":[4,12]}}"#
    #expect(header == expected + String(repeating: " ", count: (8 - expected.utf8.count % 8) % 8))
  }
}
