// swift-tools-version: 6.0
import PackageDescription

/// The programs an agent starts for every task are linked fully static: no dynamic loader, relocations or lazy symbol
/// binding at each start (a PIE with the Swift runtime linked in spent more time starting than running). Debian names
/// libuv's archive libuv_a.a; `Sources/CLibUV/static/libuv.a` points the linker to it. Sanitizers cannot link static
/// executables, so sanitized builds (`AGORA_SANITIZED_BUILD=1`, set by `make leakcheck`) link only the Swift runtime in.
let startedPerTask: [LinkerSetting] = Context.environment["AGORA_SANITIZED_BUILD"] == "1"
    ? [.unsafeFlags(["-static-stdlib"])]
    : [.unsafeFlags(["-static-executable", "-L", Context.packageDirectory + "/Sources/CLibUV/static"])]

let package = Package(
    name: "Agora",
    products: [
        .library(name: "AgoraRuntime", targets: ["AgoraRuntime"]),
        .library(name: "AgoraHTTP", targets: ["AgoraHTTP"]),
        .library(name: "AgoraWire", targets: ["AgoraWire"]),
        .library(name: "AgoraRuntimeTesting", targets: ["AgoraRuntimeTesting"]),
        .library(name: "AgoraClusterTesting", targets: ["AgoraClusterTesting"]),
        .library(name: "AgoraScheduler", targets: ["AgoraScheduler"]),
        .library(name: "AgoraResources", targets: ["AgoraResources"]),
        .library(name: "AgoraSchedulerTesting", targets: ["AgoraSchedulerTesting"]),
        .executable(name: "agora-master", targets: ["agora-master"]),
        .executable(name: "agora-agent", targets: ["agora-agent"]),
        .executable(name: "agora", targets: ["agora"]),
        .executable(name: "agora-bench", targets: ["agora-bench"]),
        .executable(name: "agora-logrotate", targets: ["agora-logrotate"]),
        .executable(name: "agora-executor", targets: ["agora-executor"]),
        .executable(name: "agora-fetcher", targets: ["agora-fetcher"]),
        .executable(name: "agora-dns", targets: ["agora-dns"]),
        .executable(name: "agora-lb", targets: ["agora-lb"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CLibUV", path: "Sources/CLibUV"),
        .systemLibrary(name: "CHTTPParser", path: "Sources/CHTTPParser"),
        .systemLibrary(name: "CProtobufC", path: "Sources/CProtobufC"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl"),
        .systemLibrary(name: "CLDNS", path: "Sources/CLDNS"),
        .target(
            name: "AgoraProto",
            dependencies: ["CProtobufC"],
            path: "Sources/AgoraProto",
            publicHeadersPath: "include",
            cSettings: [.headerSearchPath("include")],
            linkerSettings: [.linkedLibrary("protobuf-c")]
        ),
        .target(name: "AgoraRuntime", dependencies: ["CLibUV"]),
        .target(name: "AgoraFetch", dependencies: ["AgoraRuntime", "CCurl"]),
        .target(name: "AgoraDNSWire", dependencies: ["CLDNS"]),
        .target(
            name: "AgoraDNS",
            dependencies: ["AgoraDNSWire", "AgoraRuntime", "AgoraHTTP", "AgoraWire", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "AgoraLB",
            dependencies: ["AgoraRuntime", "AgoraHTTP", "AgoraWire", .product(name: "Logging", package: "swift-log")]),
        .executableTarget(
            name: "agora-lb",
            dependencies: [
                "AgoraLB", "AgoraDaemon", "AgoraRuntime", "AgoraHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "agora-dns",
            dependencies: [
                "AgoraDNS", "AgoraDaemon", "AgoraRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(name: "AgoraRuntimeTesting", dependencies: ["AgoraRuntime"]),
        .target(
            name: "AgoraClusterTesting",
            dependencies: ["AgoraRuntime", "AgoraRuntimeTesting", "AgoraHTTP", "AgoraWire", "AgoraResources"]),
        .target(name: "AgoraHTTP", dependencies: ["AgoraRuntime", "CHTTPParser"]),
        .target(name: "AgoraWire", dependencies: ["AgoraProto", "CProtobufC"]),
        .target(name: "AgoraResources", dependencies: ["AgoraCollections", "AgoraWire"]),
        .target(name: "AgoraCollections"),
        .target(name: "AgoraAllocator", dependencies: ["AgoraCollections", "AgoraResources", "AgoraWire"]),
        .target(name: "AgoraStore", dependencies: ["AgoraRuntime", "CSQLite"]),
        .target(name: "AgoraAuth", dependencies: ["AgoraRuntime", "AgoraHTTP", "AgoraWire"]),
        .target(
            name: "AgoraDaemon",
            dependencies: [
                "AgoraRuntime", "AgoraWire", "AgoraAuth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "AgoraMaster",
            dependencies: [
                "AgoraRuntime", "AgoraHTTP", "AgoraWire", "AgoraAllocator", "AgoraResources", "AgoraStore", "AgoraAuth",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "AgoraAgent",
            dependencies: [
                "AgoraCollections", "AgoraRuntime", "AgoraHTTP", "AgoraWire", "AgoraResources", "AgoraAuth",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "AgoraScheduler",
            dependencies: ["AgoraRuntime", "AgoraHTTP", "AgoraWire", "AgoraAuth", "AgoraResources",
                           .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "AgoraSchedulerTesting",
            dependencies: ["AgoraScheduler", "AgoraRuntime", "AgoraHTTP", "AgoraWire", "AgoraResources"]),
        .executableTarget(
            name: "agora-agent",
            dependencies: [
                "AgoraAgent", "AgoraDaemon", "AgoraRuntime", "AgoraResources", "AgoraAuth", "AgoraWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(name: "agora-logrotate", dependencies: ["AgoraRuntime"], linkerSettings: startedPerTask),
        .target(name: "AgoraExecutor", dependencies: ["AgoraRuntime", "AgoraHTTP", "AgoraWire"]),
        .executableTarget(name: "agora-executor", dependencies: ["AgoraExecutor", "AgoraRuntime"],
                          linkerSettings: startedPerTask),
        .executableTarget(name: "agora-fetcher", dependencies: ["AgoraFetch", "AgoraRuntime"]),
        .target(name: "AgoraFuzzTargets", dependencies: ["AgoraRuntime", "AgoraHTTP", "AgoraWire", "AgoraServices", "AgoraCron", "AgoraDNS", "AgoraDNSWire", "AgoraLB"]),
        // Links libFuzzer; `make fuzz` rebuilds everything instrumented (--sanitize=fuzzer) for coverage.
        .executableTarget(
            name: "agora-fuzz",
            dependencies: ["AgoraFuzzTargets"],
            swiftSettings: [.unsafeFlags(["-sanitize=fuzzer"])],
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer", "-use-ld=lld"])]),
        .executableTarget(
            name: "agora-master",
            dependencies: [
                "AgoraMaster", "AgoraDaemon", "AgoraRuntime", "AgoraAuth",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "agora",
            dependencies: [
                "AgoraScheduler", "AgoraAuth", "AgoraRuntime", "AgoraHTTP", "AgoraWire", "AgoraResources",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "agora-example",
            dependencies: [
                "AgoraScheduler", "AgoraRuntime", "AgoraWire", "AgoraResources",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .target(
            name: "AgoraServices",
            dependencies: [
                "AgoraScheduler", "AgoraAuth", "AgoraRuntime", "AgoraHTTP", "AgoraWire", "AgoraResources", "AgoraStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "frameworks/services/AgoraServices"),
        .executableTarget(
            name: "agora-services",
            dependencies: [
                "AgoraServices", "AgoraDaemon", "AgoraRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "frameworks/services/agora-services"),
        .target(
            name: "AgoraCron",
            dependencies: [
                "AgoraScheduler", "AgoraAuth", "AgoraRuntime", "AgoraHTTP", "AgoraWire", "AgoraResources", "AgoraStore",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "frameworks/cron/AgoraCron"),
        .executableTarget(
            name: "agora-cron",
            dependencies: [
                "AgoraCron", "AgoraDaemon", "AgoraRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "frameworks/cron/agora-cron"),
        .executableTarget(
            name: "agora-bench",
            dependencies: ["AgoraRuntime", "AgoraHTTP", "AgoraWire", "AgoraAllocator", "AgoraResources", "AgoraClusterTesting", "AgoraScheduler",
                           "AgoraRuntimeTesting", "AgoraLB", "AgoraAgent"]),
        .testTarget(name: "AgoraCollectionsTests", dependencies: ["AgoraCollections", "AgoraRuntimeTesting"]),
        .testTarget(name: "AgoraRuntimeTests", dependencies: ["AgoraRuntime", "AgoraRuntimeTesting"]),
        .testTarget(name: "AgoraHTTPTests", dependencies: ["AgoraHTTP", "AgoraRuntime", "AgoraRuntimeTesting"]),
        .testTarget(name: "AgoraWireTests", dependencies: ["AgoraWire", "AgoraRuntimeTesting"]),
        .testTarget(name: "AgoraAllocatorTests", dependencies: ["AgoraAllocator", "AgoraResources", "AgoraWire", "AgoraRuntimeTesting"]),
        .testTarget(
            name: "AgoraSchedulerTests",
            dependencies: ["AgoraScheduler", "AgoraSchedulerTesting", "AgoraRuntime", "AgoraRuntimeTesting", "AgoraWire",
                           "AgoraResources"]),
        .testTarget(name: "AgoraAgentTests", dependencies: ["AgoraAgent", "AgoraRuntime", "AgoraRuntimeTesting", "AgoraWire", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "AgoraMasterTests",
            dependencies: ["AgoraMaster", "AgoraAuth", "AgoraResources", "AgoraRuntime", "AgoraRuntimeTesting", "AgoraWire",
                           .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "AgoraStoreTests", dependencies: ["AgoraStore", "AgoraRuntimeTesting"]),
        .testTarget(name: "AgoraDNSTests", dependencies: ["AgoraDNS", "AgoraDNSWire", "AgoraWire"]),
        .testTarget(name: "AgoraLBTests", dependencies: ["AgoraLB", "AgoraWire"]),
        .testTarget(name: "AgoraAuthTests", dependencies: ["AgoraAuth", "AgoraHTTP"]),
        .testTarget(name: "AgoraResourcesTests", dependencies: ["AgoraResources", "AgoraWire"]),
        .testTarget(
            name: "AgoraServicesTests",
            dependencies: ["AgoraServices", "AgoraWire", "AgoraHTTP", "AgoraRuntime", "AgoraRuntimeTesting", "AgoraSchedulerTesting",
                           .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "AgoraFuzzTests", dependencies: ["AgoraFuzzTargets", "AgoraRuntime"], resources: [.copy("Corpus")]),
        .testTarget(
            name: "AgoraCronTests",
            dependencies: ["AgoraCron", "AgoraRuntime", "AgoraRuntimeTesting", "AgoraWire",
                           .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "AgoraDaemonTests", dependencies: ["AgoraDaemon", "AgoraAgent", "AgoraWire"]),
        .testTarget(
            name: "AgoraIntegrationTests",
            dependencies: [
                "AgoraRuntime", "AgoraRuntimeTesting", "AgoraClusterTesting", "AgoraHTTP", "AgoraWire", "AgoraResources",
                "AgoraStore", "AgoraAuth",
            ],
            exclude: ["Fixtures"]),
    ]
)
