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
