#if !FUZZING
@preconcurrency import Glibc
import Foundation
import Harness

/// Without libFuzzer: a seeded random mutator over `Corpus` for a fixed time.
/// `HTTP1Fuzz [--seconds N] [--seed S] [--max-input-ms M]`. Each input gets a
/// time bound (a watchdog thread ends the process with the input saved);
/// a property violation prints the input and exits 1. Prints the number of
/// executions. Deterministic for a seed, so a failure reproduces.
@main
struct HTTP1FuzzMain {
    static func main() {
        let args = Arguments(CommandLine.arguments.dropFirst())
        let watchdog = Watchdog(limit: args.maxInputMs / 1000)
        var rng = SplitMix64(seed: args.seed)
        let deadline = Date().addingTimeInterval(args.seconds)
        var executions = 0
        let corpus = Corpus.requests.map { Array($0.utf8) }
        while Date() < deadline {
            for _ in 0..<256 {
                let input = Mutator.mutate(corpus[Int(rng.next() % UInt64(corpus.count))], &rng)
                watchdog.start(input)
                let why = FuzzCheck.check(input, splitSeed: rng.next())
                watchdog.stop()
                executions += 1
                if let why {
                    print("FAIL after \(executions) executions (seed \(args.seed)): \(why)")
                    print("input (escaped): \(Mutator.escape(input))")
                    exit(1)
                }
            }
        }
        print("HTTP1Fuzz random mode: seed \(args.seed), \(executions) executions in \(args.seconds) s, no failure")
    }
}

/// `--seconds`, `--seed`, `--max-input-ms`.
struct Arguments {
    var seconds = 10.0
    var seed: UInt64 = 0x5EED_0001
    var maxInputMs = 2000.0

    init<S: Sequence>(_ argv: S) where S.Element == String {
        var it = argv.makeIterator()
        while let a = it.next() {
            switch a {
            case "--seconds": seconds = it.next().flatMap(Double.init) ?? seconds
            case "--seed": seed = it.next().flatMap { UInt64($0) } ?? seed
            case "--max-input-ms": maxInputMs = it.next().flatMap(Double.init) ?? maxInputMs
            default: print("unknown argument \(a)"); exit(2)
            }
        }
    }
}

/// Ends the process when one input runs longer than `limit` seconds (a hang),
/// after printing that input.
final class Watchdog: Sendable {
    /// The input being checked and when it started (nil between inputs).
    private let current = Locked<(input: [UInt8], startedAt: Double?)>(([], nil))
    private let limit: Double

    init(limit: Double) {
        self.limit = limit
        Thread.detachNewThread { [self] in watch() }
    }

    func start(_ input: [UInt8]) {
        current.withLock { $0 = (input, Date().timeIntervalSince1970) }
    }

    func stop() {
        current.withLock { $0.startedAt = nil }
    }

    private func watch() {
        while true {
            Sys.sleep(0.1)
            let (input, startedAt) = current.value
            if let startedAt, Date().timeIntervalSince1970 - startedAt > limit {
                print("HANG: one input ran longer than \(limit) s: \(Mutator.escape(input))")
                fflush(stdout)
                _exit(3)
            }
        }
    }
}
#endif
