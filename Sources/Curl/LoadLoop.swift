import CCurl
import CCurlShim

/// One thread's share of a load run: a multi handle driven by libcurl's
/// socket API over epoll, with one easy handle reused per concurrency slot.
final class LoadEngine {
    private let options: LoadOptions
    private let multi: UnsafeMutableRawPointer
    private let events: MultiEvents
    private let headerList: HeaderList
    private var slots: [LoadSlot] = []
    private var free: [LoadSlot] = []
    private var picker: PathPicker

    public init(_ o: LoadOptions) {
        precondition(o.concurrency > 0, "concurrency must be positive")
        CurlGlobal.ensure()
        options = o
        guard let m = curl_multi_init() else { fatalError("curl_multi_init failed") }
        multi = m
        events = MultiEvents(multi: m)
        headerList = HeaderList(o.headers)
        picker = PathPicker(o)
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, o.concurrency)
        slots = (0..<o.concurrency).map { _ in LoadSlot(options: o, headers: headerList) }
    }

    deinit {
        curl_multi_cleanup(multi)
    }

    /// Runs until the share's count/duration is reached or `stop` is set;
    /// in-flight requests then finish. `everyTurn` runs once per loop turn.
    func run(stop: StopFlag, t0: UInt64, onRecord: ((RequestRecord) -> Void)?,
             everyTurn: (() -> Void)? = nil) -> [RequestRecord] {
        var records: [RequestRecord] = []
        records.reserveCapacity(expectedCount())
        var schedule = Schedule(options: options, t0: t0)
        free = slots.reversed()
        var active = 0
        while true {
            let started = startDue(&schedule, now: monotonicNow(), stop: stop)
            if started > 0 { events.kick() }   // send them now, not on the next turn
            active += started - collect(into: &records, onRecord: onRecord)
            let now = monotonicNow()
            if active == 0 && !schedule.canStart(now: now, stop: stop) { break }
            if !free.isEmpty && schedule.isDue(now: now, stop: stop) { continue }
            events.turn(maxWaitMs: schedule.waitMs(now: now, stop: stop, haveFree: !free.isEmpty))
            active -= collect(into: &records, onRecord: onRecord)
            everyTurn?()
        }
        return records
    }

    /// Adds a transfer to every free slot whose next request is due. Returns how many.
    private func startDue(_ schedule: inout Schedule, now: UInt64, stop: StopFlag) -> Int {
        var started = 0
        while !free.isEmpty, schedule.isDue(now: now, stop: stop) {
            let slot = free.removeLast()
            let i = schedule.takeNext()
            let p = picker.next(i)
            slot.target(p, url: picker.urls[p])
            slot.capture.reset()
            slot.intendedStart = schedule.intended(i, now: now)
            slot.start = now
            _ = curl_multi_add_handle(multi, slot.easy.raw)
            started += 1
        }
        return started
    }

    /// Reads finished transfers, records them and frees their slots.
    private func collect(into records: inout [RequestRecord], onRecord: ((RequestRecord) -> Void)?) -> Int {
        var finished = 0
        var left: Int32 = 0
        while let msg = curl_multi_info_read(multi, &left) {
            guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle else { continue }
            let code = msg.pointee.data.result
            let end = monotonicNow()
            var priv: UnsafeMutableRawPointer?
            _ = ccurl_easy_getinfo_pointer(easy, CURLINFO_PRIVATE, &priv)
            let slot = Unmanaged<LoadSlot>.fromOpaque(priv!).takeUnretainedValue()
            _ = curl_multi_remove_handle(multi, easy)
            let c = slot.capture
            let record = RequestRecord(
                intendedStart: slot.intendedStart, start: slot.start, end: end,
                status: code == CURLE_OK ? c.status : 0, workerPid: c.workerPid, served: c.workerServed,
                curlCode: Int32(code.rawValue), newConnections: slot.easy.info(long: CURLINFO_NUM_CONNECTS),
                silentResend: c.silentResend, path: picker.paths[slot.pathIndex], connectionClose: c.connectionClose)
            records.append(record)
            onRecord?(record)
            free.append(slot)
            finished += 1
        }
        return finished
    }

    private func expectedCount() -> Int {
        if let count = options.count { return min(count, 1 << 22) }
        if let rate = options.rate, let d = options.duration { return min(Int(rate * d) + 16, 1 << 22) }
        return 1 << 14
    }
}
