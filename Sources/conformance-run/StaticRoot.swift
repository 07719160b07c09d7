@preconcurrency import Glibc
import Foundation

/// A throwaway document root for the built-in preforkd target: one
/// index.html, so `/` is a static file with ETag and Last-Modified.
enum StaticRoot {
    static let index = "<!doctype html><title>conformance</title><p>hello from the conformance root</p>\n"

    /// Creates /tmp/conformance-root.XXXXXX with index.html; returns its path.
    static func make() throws -> String {
        var template = Array("/tmp/conformance-root.XXXXXX".utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "mkdtemp: \(String(cString: strerror(errno)))"])
        }
        let path = String(cString: dir)
        try index.write(toFile: path + "/index.html", atomically: false, encoding: .utf8)
        return path
    }

    /// Removes the root made by `make` (only paths it could have made).
    static func remove(_ path: String) {
        guard path.hasPrefix("/tmp/conformance-root.") else { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}
