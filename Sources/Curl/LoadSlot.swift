import CCurl
import Harness

/// One concurrency slot of the load loop: an easy handle reused for every
/// request it runs (libcurl keeps its connection between them).
final class LoadSlot {
    let easy = EasyHandle()
    let capture = ResponseCapture(keepHeaders: false, keepBody: false)
    var intendedStart: UInt64 = 0
    var start: UInt64 = 0
    var pathIndex = -1   // -1: base URL, set once

    init(options: LoadOptions, headers: HeaderList) {
        easy.set(CURLOPT_NOSIGNAL, true)
        // No proxy: also spares libcurl a getenv of the *_proxy variables per request.
        easy.set(CURLOPT_PROXY, string: "")
        easy.set(CURLOPT_TIMEOUT_MS, Int(options.timeout * 1000))
        easy.set(CURLOPT_CONNECTTIMEOUT_MS, Int(min(options.timeout, 5) * 1000))
        easy.attach(capture, detectResends: options.detectResends)
        if !options.keepAlive { easy.set(CURLOPT_FORBID_REUSE, true) }
        if let list = headers.raw { easy.set(CURLOPT_HTTPHEADER, pointer: UnsafeMutableRawPointer(list)) }
        easy.set(CURLOPT_PRIVATE, pointer: Unmanaged.passUnretained(self).toOpaque())
    }

    /// Points the handle at `url` (libcurl copies the string) unless it already is.
    func target(_ index: Int, url: String) {
        guard index != pathIndex else { return }
        easy.set(CURLOPT_URL, string: url)
        pathIndex = index
    }
}

/// Chooses the path of request i: cycling, or a seeded pick (the suite's SplitMix64).
struct PathPicker {
    let urls: [String]
    let paths: [String]
    let random: Bool
    let shareIndex: Int
    let shareCount: Int
    var rng: SplitMix64

    init(_ o: LoadOptions) {
        let base = o.url.hasSuffix("/") ? String(o.url.dropLast()) : o.url
        paths = o.paths ?? [""]
        urls = o.paths.map { $0.map { base + ($0.hasPrefix("/") ? $0 : "/" + $0) } } ?? [o.url]
        random = o.randomPaths
        shareIndex = o.partitionIndex
        shareCount = o.partitionCount
        // One stream per partition (thread), each from the run's seed.
        rng = SplitMix64(seed: o.seed &+ UInt64(o.partitionIndex) &* 0xD1B5_4A32_D192_ED03)
    }

    mutating func next(_ i: Int) -> Int {
        guard urls.count > 1 else { return 0 }
        guard random else { return (i * shareCount + shareIndex) % urls.count }
        return Int(rng.next() % UInt64(urls.count))
    }
}
