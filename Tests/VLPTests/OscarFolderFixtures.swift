import Foundation
import TestSupport

@testable import VLP

/// Small Oscar and VinVL folders written by the tests, in the real releases' layouts.
enum OscarFolderFixtures {
  /// Distinct, exactly representable values for image `image`'s `boxes` x `dimension` floats.
  static func values(image: Int, boxes: Int, dimension: Int) -> [Float] {
    (0..<(boxes * dimension)).map { Float(image * 10_000 + $0) / 4 }
  }

  static func columnsRow(_ id: String, boxes: Int, _ values: [Float]) -> String {
    "\(id)\t\(boxes)\t\(FeatureCodec.encode(values))"
  }

  static func jsonRow(_ id: String, boxes: Int, _ values: [Float]) -> String {
    "\(id)\t{\"num_boxes\": \(boxes), \"features\": \"\(FeatureCodec.encode(values))\"}"
  }

  static let columnsDimension = 10

  /// Oscar's pretraining layout: features.tsv (three columns, D = 10), predictions_gt.tsv (the
  /// object form with image size), corpus.tsv whose keys carry the data set prefix (`coco_1`).
  static let columnsFeatures = [
    columnsRow("1", boxes: 2, values(image: 1, boxes: 2, dimension: 10)),
    columnsRow("2", boxes: 1, values(image: 2, boxes: 1, dimension: 10)),
    columnsRow("3", boxes: 0, []),
  ]
  static let columnsLabels = [
    #"1\#t{"image_h": 100, "image_w": 200, "num_boxes": 2, "objects": [{"class": "dog", "conf": 0.9, "rect": [0, 10, 100, 60]}, {"class": "mat", "conf": 0.4, "rect": [20, 20, 200, 100]}], "gt_objects": [{"class": "dog", "rect": [0, 0, 90, 50]}]}"#,
    #"2\#t{"image_h": 50, "image_w": 50, "objects": [{"class": "cat", "conf": 0.75, "rect": [5, 5, 45, 45]}]}"#,
    #"3\#t{"image_h": 50, "image_w": 50, "objects": []}"#,
  ]
  static let columnsCorpus = [
    "coco_1\tcoco_1\ta dog lies on a mat", "coco_2\tcoco_2\ta cat", "coco_1\tcoco_1\ta brown dog",
  ]

  static func writeColumns(
    _ folder: TemporaryDirectory, features: [String] = columnsFeatures,
    labels: [String] = columnsLabels, corpus: [String] = columnsCorpus, under split: String = ""
  ) throws {
    func name(_ file: String) -> String { split.isEmpty ? file : split + "/" + file }
    try folder.write(name("features.tsv"), features.map { $0 + "\n" }.joined())
    try folder.write(name("predictions_gt.tsv"), labels.map { $0 + "\n" }.joined())
    try folder.write(name("corpus.tsv"), corpus.map { $0 + "\n" }.joined())
  }

  /// VinVL's 2,048 pooled features + 6 box values.
  static let vinvlDimension = 2054

  /// VinVL's captioning layout: split yamls naming `train.feature.tsv` (the JSON column),
  /// `train.label.tsv` (bare object lists), `train_caption.json` and `train.hw.tsv`.
  static func writeVinVL(_ folder: TemporaryDirectory, features: [String]? = nil) throws {
    let d = vinvlDimension
    let rows =
      features ?? [
        jsonRow("100", boxes: 2, values(image: 100, boxes: 2, dimension: d)),
        jsonRow("101", boxes: 3, values(image: 101, boxes: 3, dimension: d)),
      ]
    try folder.write(
      "train.yaml",
      "# VinVL coco_caption\nfeature: train.feature.tsv\nlabel: 'train.label.tsv'\n"
        + "caption: train_caption.json\nhw: train.hw.tsv\n")
    try folder.write("val.yaml", "feature: val.feature.tsv\n")
    try folder.write("val.feature.tsv", jsonRow("200", boxes: 0, []) + "\n")
    try folder.write("train.feature.tsv", rows.map { $0 + "\r\n" }.joined())
    try folder.write(
      "train.label.tsv",
      #"100\#t[{"class": "dog", "conf": 0.91, "rect": [0, 0, 320, 240]}, {"class": "frisbee", "conf": 0.5, "rect": [10, 20, 30, 40]}]"#
        + "\n" + #"101\#t[{"class": "man", "conf": 0.8, "rect": [1, 2, 3, 4]}]"# + "\n")
    try folder.write(
      "train.hw.tsv",
      "100\t[{\"height\": 480, \"width\": 640}]\n101\t[{\"height\": 10, \"width\": 10}]\n")
    try folder.write(
      "train_caption.json",
      #"[{"image_id": "100", "caption": "a dog catches a frisbee", "id": 1}, {"image_id": 101, "caption": "a man", "id": 2}, {"image_id": "100", "caption": "a dog in a park", "id": 3}]"#
    )
  }
}
