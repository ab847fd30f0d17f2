import CNCurses
import Foundation
import Tensor

// Subcommands only; each lives in its own file.
let version = "0.1.0"
let usage = """
  vlp \(version): a terminal workbench for vision-language pretraining

  usage: vlp --version
         vlp bench gemm [--sizes 256,512,1024] [--threads 1,2] [--json]
         vlp bench layer [--threads 1,2] [--cross] [--json]
         vlp bench step [SESSION] [--threads 1,2] [--steps 20] [--json]
         vlp data export|inspect|world ...   (vlp data help for the options)
         vlp experiment SESSION [--seeds 1,2,3] [--steps N] [--set key=value ...] [--json FILE]
         vlp tsne --input FILE.npy|FILE.csv --out FILE.csv|FILE.svg [--labels FILE] ...
         vlp bench tsne [--threads 1,2] [--json]
         vlp help
  """

// Progress lines reach a log file as they are printed, not when a 4 KiB buffer fills.
vlp_line_buffer_stdout()

let arguments = Array(CommandLine.arguments.dropFirst())
do {
  switch arguments.first {
  case "--version", "version":
    print("vlp \(version) (\(String(cString: vlp_curses_version())))")
  case "bench":
    try BenchCommand.run(Array(arguments.dropFirst()))
  case "data":
    try DataCommand.run(Array(arguments.dropFirst()))
  case "experiment":
    try ExperimentCommand.run(Array(arguments.dropFirst()))
  case "tsne":
    try TSNECommand.run(Array(arguments.dropFirst()))
  case "help", "--help", "-h", nil:
    print(usage)
  case let other?:
    throw CommandLineArguments.UsageError(description: "unknown command '\(other)'\n\(usage)")
  }
} catch let error as CommandLineArguments.UsageError {
  // Wrong usage: sysexits' EX_USAGE, with the usage text in the message.
  FileHandle.standardError.write(Data("vlp: \(error)\n".utf8))
  exit(64)
} catch {
  FileHandle.standardError.write(Data("vlp: \(error)\n".utf8))
  exit(2)
}
