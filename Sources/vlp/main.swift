import Foundation
import TUI
import TUICurses
import Tensor

// Subcommands only; each lives in its own file.
let version = "0.1.0"
let usage = """
  vlp \(version): a terminal workbench for vision-language pretraining

  usage: vlp [tui [SESSION]] [--paused]                        the terminal workbench (default session)
         vlp run SESSION [--steps N] [--set key=value ...]     train headless, resuming
         vlp eval SESSION [--checkpoint FILE] [--json]          held-out retrieval and accuracy
         vlp attend SESSION --pair N [--word W] --out FILE.png   where the model looks (Grad-CAM, attention)
         vlp export SESSION --curves FILE.svg|FILE.csv          loss curves
         vlp export SESSION --tensorboard DIR                    a session as TensorBoard event files
         vlp export SESSION --pytorch DIR [--init latest|initial]  a PyTorch DDP trainer (docs/scale-out.md)
         vlp import DIR --as NAME                                a PyTorch run back as a session
         vlp watch PATH...                                       follow any trainer's logs (docs/watch.md)
         vlp tsne SESSION --features tokens|cls --out FILE.svg  t-SNE of learned features
         vlp tsne --input FILE.npy|FILE.csv --out FILE.csv|FILE.svg [--labels FILE] ...
         vlp experiment SESSION [--seeds 1,2,3] [--steps N] ...  variants x seeds, a results table
         vlp bench [all|gemm|layer|step|tsne] [--json]           speed (docs/benchmarks.md)
         vlp data export|inspect|show|world ...                  data files, images, the scene world
         vlp sessions                                            the sessions under sessions/
         vlp keys                                                every key of the workbench
         vlp --version
  `vlp COMMAND --help` explains a command. Sessions live in sessions/NAME/ (docs/sessions.md);
  a SESSION is such a NAME or a session folder's path (sessions/NAME/).

  exit status, every command: 0 done; 1 failed (the message says what and what to do); 2 wrong
  usage (the command's usage follows). A run stopped by a signal saves first, then exits with
  128 + the signal's number (130 Ctrl-C, 129 SIGHUP, 131 SIGQUIT, 143 SIGTERM).
  """

/// The exit statuses of every command (`vlp --help`, docs/guide.md).
enum ExitStatus {
  static let done: Int32 = 0
  static let failed: Int32 = 1
  static let usage: Int32 = 2
}

/// Each command: its usage text (for --help and usage errors) and what runs it.
let commands: [String: (usage: String, run: ([String]) throws -> Void)] = [
  "tui": (TUICommand.usage, TUICommand.run),
  "run": (RunCommand.usage, RunCommand.run),
  "eval": (EvalCommand.usage, EvalCommand.run),
  "attend": (AttendCommand.usage, AttendCommand.run),
  "export": (ExportCommand.usage, ExportCommand.run),
  "watch": (WatchCommand.usage, WatchCommand.run),
  "import": (ImportCommand.usage, ImportCommand.run),
  "tsne": (TSNECommand.usage, TSNECommand.run),
  "experiment": (ExperimentCommand.usage, ExperimentCommand.run),
  "bench": (BenchCommand.usage, BenchCommand.run),
  "data": (DataCommand.usage, DataCommand.run),
  "sessions": (SessionsCommand.usage, SessionsCommand.run),
  "keys": (
    "usage: vlp keys\n  Prints every key of the workbench as Markdown (docs/keys.md).",
    { _ in print(WorkbenchKeys.markdown) }
  ),
]

// Progress lines reach a log file as they are printed, not when a 4 KiB buffer fills.
StandardOutput.lineBuffered()
// Past a file-size limit (`ulimit -f`) a write fails with EFBIG, which is reported with the file
// and what to do, instead of the process dying silently of SIGXFSZ.
signal(SIGXFSZ, SIG_IGN)

func fail(_ message: String, status: Int32) -> Never {
  FileHandle.standardError.write(Data("vlp: \(message)\n".utf8))
  exit(status)
}

let arguments = Array(CommandLine.arguments.dropFirst())
if let problem = ResourceLimits.problem(), !["--version", "version", "help", "--help", "-h"].contains(arguments.first ?? "") {
  fail(problem, status: ExitStatus.failed)
}
switch arguments.first {
case "--version", "version":
  print("vlp \(version) (\(CursesLibrary.version))\nbuilt for \(CompiledCPU.description)")
case nil:
  do {
    try TUICommand.run([])
  } catch let error as CommandLineArguments.UsageError {
    fail("\(error)\n\(TUICommand.usage)", status: ExitStatus.usage)
  } catch {
    fail("\(error)", status: ExitStatus.failed)
  }
case "help", "--help", "-h":
  if let name = arguments.dropFirst().first, let command = commands[name] {
    print(command.usage)
  } else {
    print(usage)
  }
case let name?:
  guard let command = commands[name] else {
    fail("unknown command '\(name)'\n\(usage)", status: ExitStatus.usage)
  }
  let rest = Array(arguments.dropFirst())
  if rest.contains("--help") || rest.contains("-h") || rest.first == "help" {
    print(command.usage)
    exit(0)
  }
  do {
    try command.run(rest)
  } catch let error as CommandLineArguments.UsageError {
    // Wrong usage: sysexits' EX_USAGE, with the command's usage text.
    fail("\(error)\n\(command.usage)", status: ExitStatus.usage)
  } catch {
    fail("\(error)", status: ExitStatus.failed)
  }
}
