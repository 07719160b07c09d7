// swift-tools-version: 6.0
// preforkd: a pre-forking HTTP/1.1 daemon and the suite that proves it stays up.
//
// Dependency arrows point one way: the server side (CShims, HTTP1, Prefork,
// preforkd) and the client side (CCurl, Curl, Harness, and the runners) never
// import each other, so a parser bug cannot hide by mirroring itself in the
// client. CShims is plain C glue for syscalls Swift cannot call; both sides use it.
import PackageDescription

// No unsafeFlags anywhere: SwiftPM refuses a package whose library targets carry
// them as a versioned dependency. The shipped binaries skip the dynamic
// exclusivity checks through scripts/release-build.sh (`-Xswiftc
// -enforce-exclusivity=unchecked`); debug builds and dependents keep them.
let package = Package(
    name: "preforkd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "preforkd", targets: ["preforkd"]),
        .library(name: "Prefork", targets: ["Prefork"]),
        .library(name: "HTTP1", targets: ["HTTP1"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // Shared by every executable: the release version (no dependencies, both sides).
        .target(name: "PreforkVersion"),

        // Server side.
        .target(name: "CShims"),
        .target(name: "HTTP1"),
        .target(
            name: "Prefork",
            dependencies: [
                "CShims", "HTTP1",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        .executableTarget(
            name: "preforkd",
            dependencies: [
                "Prefork", "HTTP1", "PreforkVersion",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Embedding example (contrib/): built by `swift build` so it never rots.
        .executableTarget(name: "json-api-example", dependencies: ["Prefork", "HTTP1"], path: "contrib/json-api"),

        // Client side.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(name: "CCurlShim", dependencies: ["CCurl"]),
        .target(name: "Curl", dependencies: ["CCurl", "CCurlShim", "Harness"]),
        .target(name: "Harness", dependencies: ["CShims"]),
        .target(
            name: "Chaos",
            dependencies: [
                "Curl", "Harness", "CShims",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .executableTarget(
            name: "chaos-run",
            dependencies: [
                "Chaos", "PreforkVersion",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A preforkd fleet behind HAProxy in network namespaces (root): whole-host faults judged end to end.
        .target(name: "Fleet", dependencies: ["Chaos", "Curl", "Harness"]),
        .executableTarget(
            name: "fleet-run",
            dependencies: [
                "Fleet", "PreforkVersion",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The HTTP/1.1 conformance table: Harness's raw client socket and its own response reader, never HTTP1.
        .target(name: "Conformance", dependencies: ["Harness"]),
        .executableTarget(
            name: "conformance-run",
            dependencies: [
                "Conformance", "Harness", "PreforkVersion",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Fuzz target for the HTTP1 parser: libFuzzer with `-sanitize=fuzzer -D FUZZING`
        // (scripts/fuzz-http1.sh), else a seeded random mutator. Never run by `swift test`.
        // A client of HTTP1 like the tests: Harness gives it the suite's SplitMix64, Locked and Sys.
        .executableTarget(name: "HTTP1Fuzz", dependencies: ["HTTP1", "Harness"]),

        // Tests.
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1", "Harness"]),
        .testTarget(name: "PreforkTests", dependencies: ["Prefork"]),
        .testTarget(name: "CurlTests", dependencies: ["Curl", "Harness"]),
        .testTarget(name: "HarnessTests", dependencies: ["Harness"]),
        .testTarget(name: "ChaosTests", dependencies: ["Chaos", "Harness"]),
        .testTarget(name: "FleetTests", dependencies: ["Fleet", "Chaos", "Harness"]),
        .testTarget(name: "ConformanceTests", dependencies: ["Conformance", "Harness"]),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["Curl", "Harness", "Chaos", "Conformance", "Fleet", "preforkd", "fleet-run", "json-api-example"],
            path: "IntegrationTests"
        ),
    ],
    swiftLanguageModes: [.v6]
)
