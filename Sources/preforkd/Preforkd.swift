@preconcurrency import Glibc
import ArgumentParser
import Prefork
import PreforkVersion

/// `preforkd`: flags -> Configuration -> Server. Synchronous on purpose: the
/// master must not start a thread (or Task) before it forks.
@main
struct Preforkd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preforkd",
        abstract: "A pre-forking HTTP/1.1 daemon: one master, N workers accepting from one socket.",
        discussion: HelpText.discussion,
        version: PreforkVersion.string
    )

    @OptionGroup(title: "Listening") var listening: ListeningOptions
    @OptionGroup(title: "Workers") var workers: WorkerOptions
    @OptionGroup(title: "Timeouts (seconds, decimals allowed)") var timeouts: TimeoutOptions
    @OptionGroup(title: "Process") var process: ProcessOptions
    @OptionGroup(title: "Logs") var logging: LoggingOptions
    @OptionGroup(title: "Content and endpoints") var content: ContentOptions

    func validate() throws {
        try listening.validate()
        try workers.validate()
        try timeouts.validate()
        try logging.validate()
    }

    func run() throws {
        let config = makeConfiguration()
        let code: Int32
        if let root = content.root {
            let files: StaticFiles
            do { files = try StaticFiles(root: root) } catch { throw ValidationError("\(error)") }
            code = Server(configuration: config).run(daemonize: process.daemon, handler: files)
        } else {
            code = Server(configuration: config).run(daemonize: process.daemon, handler: SeedHandler())
        }
        if code != 0 { throw ExitCode(code) }
    }

    func makeConfiguration() -> Configuration {
        var c = Configuration()
        c.host = listening.host
        c.port = listening.port
        c.backlog = listening.backlog
        c.deferAccept = listening.deferAccept
        c.workers = workers.workers
        c.lifetime = workers.lifetime
        c.lifetimeJitter = workers.lifetimeJitter
        c.workerConnections = workers.workerConnections
        c.maxBody = workers.maxBody
        c.timeout = timeouts.timeout > 0 ? .seconds(timeouts.timeout) : nil
        c.gracefulTimeout = .seconds(timeouts.gracefulTimeout)
        c.drainDelay = .seconds(timeouts.drainDelay)
        c.keepaliveTimeout = .seconds(timeouts.keepaliveTimeout)
        c.headerTimeout = .seconds(timeouts.headerTimeout)
        c.bodyTimeout = .seconds(timeouts.bodyTimeout)
        c.writeTimeout = .seconds(timeouts.writeTimeout)
        c.upgradeTimeout = .seconds(timeouts.upgradeTimeout)
        // Paths are made absolute: --daemon changes directory to /.
        c.logFile = logging.logFile.map(Paths.absolute) ?? (process.daemon ? "/tmp/daemon.log" : nil)
        c.accessLog = logging.accessLog.map { $0 == "-" ? $0 : Paths.absolute($0) }
        c.accessLogFormat = logging.accessLogFormat
        c.pidFile = process.pidFile.map(Paths.absolute)
        c.statusFromAnywhere = content.statusFromAnywhere
        c.healthFromAnywhere = content.healthFromAnywhere
        c.faultInjection = content.faultInjection
        c.plantedDefect = content.plantedDefect
        return c
    }

    /// One-line errors (no usage dump), non-zero exit; help still prints in full.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
            } else if !(error is ExitCode) {
                fputs("preforkd: \(message(for: error)) (see preforkd --help)\n", stderr)
            }
            Glibc.exit(code.rawValue)
        }
        Glibc.exit(0)
    }
}

enum Paths {
    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX))
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return cwd + "/" + path
    }
}
