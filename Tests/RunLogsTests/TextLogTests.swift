import Foundation
import RunLogs
import TestSupport
import Testing

/// JSON-lines logs (vlp's, ALBEF's, LAVIS's) and CSV curves.
struct TextLogTests {
  /// ALBEF's Pretrain.py: `json.dumps({**{f'train_{k}': v ...}, 'epoch': epoch})`, the values
  /// formatted with "{:.3f}" (so strings), one line per epoch, in output_dir/log.txt.
  static let albef = """
    {"train_lr": "0.000", "train_loss_mlm": "2.412", "train_loss_ita": "5.103", "train_loss_itm": "0.633", "epoch": 0}
    {"train_lr": "0.000", "train_loss_mlm": "1.980", "train_loss_ita": "4.020", "train_loss_itm": "0.512", "epoch": 1}
    {"train_lr": "0.000", "train_loss_mlm": "1.751", "train_loss_ita": "3.577", "train_loss_itm": "0.455", "epoch": 2}

    """

  /// LAVIS's runner_base.py: the configuration (json.dumps(..., indent=4)) first, then
  /// `{"train_lr": ..., "train_loss": ...}` per epoch and `val_` lines after evaluations.
  static let lavis = """
    {
        "run": {
            "task": "image_text_pretrain",
            "lr_sched": "linear_warmup_cosine_lr",
            "init_lr": 0.0001,
            "max_epoch": 10,
            "output_dir": "output/BLIP2/Pretrain_stage1"
        },
        "model": {"arch": "blip2", "load_finetuned": false}
    }
    {"train_lr": "0.000", "train_loss": "6.217"}
    {"val_agg_metrics": 0.412, "val_txt_r1": 0.35, "val_best_epoch": 0}
    {"train_lr": "0.000", "train_loss": "5.004"}

    """

  @Test func albefLogUsesTheEpochAsTheStepAndReadsNumbersFromStrings() throws {
    let directory = try TemporaryDirectory("logs")
    defer { directory.remove() }
    try directory.write("output/Pretrain/log.txt", Self.albef)
    let watcher = try LogWatcher.load(paths: [directory.child("output")])
    let run = try #require(watcher.store["Pretrain"])
    #expect(run.tags.sorted() == ["train_loss_ita", "train_loss_itm", "train_loss_mlm", "train_lr"])
    #expect(run["train_loss_ita"]?.steps == [0, 1, 2])
    #expect(run["train_loss_ita"]?.values == [5.103, 4.020, 3.577])
    #expect(watcher.notices.isEmpty)
  }

  @Test func lavisConfigurationIsSkippedAndLinesCountEpochs() throws {
    let directory = try TemporaryDirectory("logs")
    defer { directory.remove() }
    let url = try directory.write("output/job/log.txt", Self.lavis)
    let watcher = try LogWatcher.load(paths: [url.path])
    let run = try #require(watcher.store["job"])
    #expect(run["train_loss"]?.steps == [0, 1])
    #expect(run["train_loss"]?.values == [6.217, 5.004])
    #expect(run["val_txt_r1"]?.values == [0.35])
    #expect(run["run/init_lr"] == nil, "the configuration is no curve")
    #expect(watcher.notices.isEmpty, "\(watcher.notices)")
  }

  @Test func vlpMetricsMakeARunPerVariant() throws {
    let directory = try TemporaryDirectory("logs")
    defer { directory.remove() }
    try directory.write(
      "sessions/demo/metrics.jsonl",
      """
      {"step": 1, "variant": "main", "time": 0.5, "lr": 0.0001, "alpha": 0.4, "grad_norm": 3.2, "queue": 16, "losses": {"itc": 2.1, "total": 2.5}}
      {"step": 1, "variant": "wide", "time": 0.6, "lr": 0.0001, "alpha": 0.4, "grad_norm": 3.0, "queue": 16, "losses": {"itc": 2.0, "total": 2.4}}
      {"step": 2, "variant": "main", "time": 1.0, "lr": 0.0002, "alpha": 0.4, "grad_norm": 2.9, "queue": 32, "losses": {"itc": 1.9, "total": 2.2}}
      {"step": 3, "variant": "ma
      """)
    try directory.write(
      "sessions/demo/eval.jsonl",
      #"{"step": 2, "variant": "main", "time": 1.1, "retrieval_pairs": 10, "metrics": {"i2t_r1": 0.5}}"# + "\n")
    let watcher = try LogWatcher(paths: [directory.child("sessions")])
    watcher.poll()
    let main = try #require(watcher.store["demo/main"])
    #expect(main["losses/itc"]?.steps == [1, 2], "the torn last line waits")
    #expect(main["losses/itc"]?.wallTimes == [0.5, 1.0])
    #expect(main["metrics/i2t_r1"]?.values == [0.5])
    #expect(main["retrieval_pairs"] == nil)
    #expect(watcher.store["demo/wide"]?["lr"]?.values == [0.0001])
  }

  @Test func csvLongAndWideForms() throws {
    let directory = try TemporaryDirectory("logs")
    defer { directory.remove() }
    try directory.write(
      "long/curves.csv", "step,tag,value,wall_time,run\n1,loss/itc,2.5,100,a\n2,loss/itc,2.0,101,a\n1,loss/itc,3.0,,b\n")
    try directory.write("wide/curves.csv", "step,variant,time,lr,Loss/ITC\n1,main,0.5,0.001,2.5\n2,main,1.0,0.002,\n")
    let watcher = try LogWatcher.load(paths: [directory.child("long"), directory.child("wide")])
    #expect(watcher.store["a"]?["loss/itc"]?.values == [2.5, 2.0])
    #expect(watcher.store["a"]?["loss/itc"]?.wallTimes == [100, 101])
    #expect(watcher.store["b"]?["loss/itc"]?.steps == [1])
    #expect(watcher.store["main"]?["Loss/ITC"]?.steps == [1], "an empty cell is no point")
    #expect(watcher.store["main"]?["lr"]?.values == [0.001, 0.002])
    #expect(watcher.notices.isEmpty, "\(watcher.notices)")
  }

  @Test func aLineThatIsNotJSONIsReportedWithItsNumber() throws {
    let directory = try TemporaryDirectory("logs")
    defer { directory.remove() }
    let url = try directory.write("run/log.txt", "{\"loss\": 1, \"step\": 1}\nTraceback (most recent call last):\n{\"loss\": 0.5, \"step\": 2}\n")
    let watcher = try LogWatcher.load(paths: [url.path])
    #expect(watcher.store["run"]?["loss"]?.values == [1, 0.5])
    #expect(watcher.notices == ["\(url.relativePath): byte 23: line 2: not a JSON object; skipped"])
  }

  /// vlp's exported PyTorch trainer writes event files and log.jsonl into one run folder, with
  /// the same values: a folder is followed through its event files, each point shown once.
  @Test func aJSONLinesLogBesideEventFilesIsNotReadTwice() throws {
    let directory = try TemporaryDirectory("logs")
    defer { directory.remove() }
    try directory.write("runs/main/log.jsonl", #"{"step": 1, "loss": 2.5}"# + "\n" + #"{"step": 2, "loss": 2.0}"# + "\n")
    let writer = try EventFileWriter(folder: URL(fileURLWithPath: directory.child("runs/main")), wallTime: 100)
    writer.add(step: 1, wallTime: 100, scalars: [("loss", 2.5)])
    writer.add(step: 2, wallTime: 101, scalars: [("loss", 2.0)])
    try writer.flush()
    try directory.write("runs/other/log.jsonl", #"{"step": 1, "loss": 3.0}"# + "\n")
    let watcher = try LogWatcher.load(paths: [directory.child("runs")])
    #expect(watcher.store["main"]?["loss"]?.steps == [1, 2])
    #expect(watcher.store["other"]?["loss"]?.steps == [1], "a folder without event files keeps its JSON lines")
  }
}
