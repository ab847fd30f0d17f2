import Foundation
import Testing

@testable import Engine

/// The exported session.json keeps the user's text: only the relative data paths change.
struct JSONStringEditsTests {
  @Test func onlyRelativeDataPathsChangeAndTheRestKeepsItsBytes() throws {
    let text = """
      {"seed": 1,   "model": {"family": "albef", "note": "data/x"},
        "data": {"source": "json", "train": "data/tr\\u0061in.json", "images": "/abs/images",
                 "test": "a \\"quoted\\" name.json", "augmentation": true},
        "variants": [{"name": "v", "set": {"data.test": "other/test.json", "model.dimension": 8}},
                     {"name": "w", "set": {}}], "empty": [], "list": [1, -2.5e3, null, "s"]}

      """
    let folder = URL(fileURLWithPath: "/sessions/demo", isDirectory: true)
    let exported = PyTorchRealData.exportedSessionText(Data(text.utf8), sessionFolder: folder)
    let expected = text
      .replacingOccurrences(of: #""data/tr\u0061in.json""#, with: #""/sessions/demo/data/train.json""#)
      .replacingOccurrences(of: #""a \"quoted\" name.json""#, with: #""/sessions/demo/a \"quoted\" name.json""#)
      .replacingOccurrences(of: #""other/test.json""#, with: #""/sessions/demo/other/test.json""#)
    #expect(String(decoding: exported, as: UTF8.self) == expected)
    // Nothing to change, or not JSON: the bytes as given.
    let world = Data(#"{"b": 1, "a": {"data": "x"}}"#.utf8)
    #expect(PyTorchRealData.exportedSessionText(world, sessionFolder: folder) == world)
    let broken = Data(#"{"data": {"train": "x""#.utf8)
    #expect(PyTorchRealData.exportedSessionText(broken, sessionFolder: folder) == broken)
  }
}
