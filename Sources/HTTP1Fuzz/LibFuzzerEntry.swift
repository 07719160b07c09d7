/// libFuzzer entry point (built with `-sanitize=fuzzer -D FUZZING`, see
/// scripts/fuzz-http1.sh). A violated property traps, so libFuzzer records
/// the input as a crash; hangs are caught by libFuzzer's `-timeout`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP1(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    // The split seed comes from the input, so a saved crash reproduces exactly.
    let seed = input.reduce(UInt64(size)) { ($0 &* 31) &+ UInt64($1) }
    if let why = FuzzCheck.check(input, splitSeed: seed) {
        fatalError("HTTP1 fuzz property violated: \(why)")
    }
    return 0
}

#if FUZZING
import Glibc

/// SwiftPM links an executable's entry point as `<module>_main` (it aliases
/// `main` to it), so libFuzzer's own `main` is never used: this entry hands
/// the command line to libFuzzer's driver instead.
@_silgen_name("LLVMFuzzerRunDriver")
func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

@_cdecl("HTTP1Fuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var vector = argv
    if let dir = (1..<Int(argc)).lazy.compactMap({ argv?[$0].map { String(cString: $0) } }).first(where: { !$0.hasPrefix("-") }) {
        Corpus.seed(directory: dir)
    }
    return llvmFuzzerRunDriver(&count, &vector) { data, size in fuzzHTTP1(data, size) }
}
#endif
