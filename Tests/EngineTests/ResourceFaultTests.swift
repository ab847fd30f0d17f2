import Foundation
import NN
import TestSupport
import Testing

@testable import Engine

/// A full disk (ENOSPC, on a small tmpfs) and too many open files (EMFILE, `ulimit -n` just
/// above the level refused at start) on the built `vlp`: no crash, the real cause named, and
/// what is left resumes to the whole run, each step once (issue 22).
@Suite(.serialized) struct ResourceFaultTests {
  /// Mounts a tmpfs of `bytes` at `folder`; false where this process may not (not root, or a
  /// container without the capability): the test then says so and checks nothing.
  static func mountSmallDisk(at folder: URL, bytes: Int) -> Bool {
    let mount = Process()
    mount.executableURL = URL(fileURLWithPath: "/bin/mount")
    mount.arguments = ["-t", "tmpfs", "-o", "size=\(bytes)", "tmpfs", folder.path]
    mount.standardError = FileHandle.nullDevice
    guard (try? mount.run()) != nil else { return false }
    mount.waitUntilExit()
    return mount.terminationStatus == 0
  }

  static func unmount(_ folder: URL) {
    let umount = Process()
    umount.executableURL = URL(fileURLWithPath: "/bin/umount")
    umount.arguments = [folder.path]
    try? umount.run()
    umount.waitUntilExit()
  }

  static func allocatedBytes(under url: URL) -> Int {
    let names = FileManager.default.enumerator(atPath: url.path)?.allObjects as? [String] ?? []
    return names.reduce(0) { total, name in
      let size = (try? FileManager.default.attributesOfItem(
        atPath: url.appendingPathComponent(name).path)[.size] as? Int) ?? 0
      return total + (size + 4095) / 4096 * 4096 + 4096
    }
  }

  /// A session trained to step 3, copied onto a disk with room for about half a checkpoint
  /// more: the next save fails with ENOSPC. Status 1, "No space left on device" and the way out
  /// named, no temporary left; on a disk with room it resumes to step 12, each step once.
  @Test func aFullDiskIsReportedAndTheRunResumesWhole() throws {
    let work = try ChildSessions()
    defer { work.remove() }
    let (folder, _, checkpoint) = try work.trainedToStep3("full")
    let disk = work.directory.deletingLastPathComponent().appendingPathComponent("disk")
    try FileManager.default.createDirectory(at: disk, withIntermediateDirectories: true)
    let room = allocatedBytesRoundedUp(Self.allocatedBytes(under: folder.url) + checkpoint / 2)
    guard Self.mountSmallDisk(at: disk, bytes: room) else {
      print("note: ResourceFaultTests: cannot mount a tmpfs here; ENOSPC is not tested")
      return
    }
    defer { Self.unmount(disk) }
    let sessions = disk.appendingPathComponent("sessions")
    try FileManager.default.createDirectory(at: sessions, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: folder.url, to: sessions.appendingPathComponent("full"))

    let full = try ChildProcess.run(["run", "full", "--steps", "12"], in: disk)
    #expect(full.status == 1, "\(full.status) \(full.error)")
    #expect(!full.signalled)
    #expect(full.error.contains("No space left on device") && full.error.contains("free space"), "\(full.error)")
    #expect(full.error.contains("sessions/full"), "names the file: \(full.error)")
    #expect(temporaries(under: sessions).isEmpty, "\(temporaries(under: sessions))")

    // Back on a disk with room, the session resumes from what the full disk left.
    let copy = work.directory.appendingPathComponent("sessions/full")
    try FileManager.default.removeItem(at: copy)
    try FileManager.default.copyItem(at: sessions.appendingPathComponent("full"), to: copy)
    let resumed = try ChildProcess.run(["run", "full", "--steps", "12"], in: work.directory)
    #expect(resumed.status == 0, "\(resumed.error)")
    #expect(try metrics(folder).map(\.step) == Array(1...12))
  }

  /// Just above the level refused at start (`ulimit -n` 16), opens fail with EMFILE somewhere
  /// in a run, or nowhere: either the run ends well, or it stops with status 1 naming "Too many
  /// open files" (never "not UTF-8", never a crash); what it leaves resumes to the whole run.
  @Test(arguments: [16, 20, 24, 32])
  func tooManyOpenFilesMidRunAreNamedAndTheRunResumesWhole(limit: Int) throws {
    let work = try ChildSessions()
    defer { work.remove() }
    let folder = try work.make("files\(limit)")
    let limited = try ChildProcess.run(
      ["run", "files\(limit)", "--steps", "6"], in: work.directory, limits: ["-n \(limit)"])
    #expect(!limited.signalled, "\(limited.error)")
    #expect(limited.status == 0 || limited.status == 1, "\(limited.status) \(limited.error)")
    if limited.status == 1 {
      #expect(limited.error.contains("open files"), "\(limited.error)")
      #expect(!limited.error.contains("not UTF-8"), "\(limited.error)")
    }
    let resumed = try ChildProcess.run(["run", "files\(limit)", "--steps", "6"], in: work.directory)
    #expect(resumed.status == 0, "\(resumed.error)")
    #expect(try metrics(folder).map(\.step) == Array(1...6))
  }
}

private func allocatedBytesRoundedUp(_ bytes: Int) -> Int { (bytes + 4095) / 4096 * 4096 }
