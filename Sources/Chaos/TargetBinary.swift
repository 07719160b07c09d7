import Foundation
import Glibc
import Harness

/// The path the runner starts preforkd from when a run has bad-upgrade
/// faults: a symlink to the real build in a directory of the runner's own
/// (chaos-bin-<runner pid>-<ns>), so the runner can swap in a broken build
/// (rename, atomic, as a deploy does) and restore it without touching the
/// build. preforkd keeps the started path (symlinks too) and execs the file
/// there at each USR2.
final class TargetBinary: Sendable {
    let dir: String
    let real: String
    var path: String { dir + "/preforkd" }

    init(real: String) throws {
        self.real = real
        dir = NSTemporaryDirectory() + "chaos-bin-\(getpid())-\(monotonicNanos())"
        try Sys.makeDirectory(dir)
        try restore()
    }

    /// `preforkd` becomes a shell script with `body`.
    func replace(withScript body: String) throws {
        let temp = dir + "/next"
        try Sys.unlink(temp)   // a leftover of an interrupted swap
        do { try ("#!/bin/sh\n" + body + "\n").write(toFile: temp, atomically: false, encoding: .utf8) } catch {
            throw ChaosSetupError("cannot write \(temp): \(error)")
        }
        try Sys.chmod(temp, 0o755)
        try Sys.rename(temp, path)
    }

    /// `preforkd` is the real build again.
    func restore() throws {
        let temp = dir + "/next"
        try Sys.unlink(temp)
        try Sys.symlink(real, at: temp)
        try Sys.rename(temp, path)
    }

    /// Removes the directory (at the end of the run).
    func remove() { try? FileManager.default.removeItem(atPath: dir) }
}
